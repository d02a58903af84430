/** The processor for each job type, as the worker runtime dispatches them. */
import { runEvaluate } from './evaluate.js';
import { runFinetune } from './finetune.js';
import type { Processor } from './runner.js';
import type { JobRecord } from '../store/job-schemas.js';
import { runTrain } from './train.js';

export const processors: Record<JobRecord['type'], Processor> = {
  train: runTrain,
  evaluate: runEvaluate,
  finetune: runFinetune,
};
