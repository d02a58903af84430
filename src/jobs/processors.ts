import { runEvaluate } from './evaluate.js';
import { runFinetune } from './finetune.js';
import type { Processor } from './runner.js';
import type { JobRecord } from './schemas.js';
import { runTrain } from './train.js';

export const processors: Record<JobRecord['type'], Processor> = {
  train: runTrain,
  evaluate: runEvaluate,
  finetune: runFinetune,
};
