/**
 * The finetune processor: transfer learning from a stored model (trained or
 * imported) to a new dataset, with the tutorial's strategies:
 * - featureExtraction: the base is frozen (its batch norms in inference mode),
 *   only the head trains;
 * - fineTune: the top blocks of the base (or everything from a named layer)
 *   train too, at a lower learning rate than the head;
 * - twoStage: feature extraction, then fine-tuning, in one job.
 * The head (the last dense layer) is replaced when the class count differs.
 * Which layers train in each stage is planned by architecture/transfer.ts.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { compileNested } from '../architecture/index.js';
import { planTransfer, unfrozenLayers, withTrainable } from '../architecture/transfer.js';
import type { EngineModel } from '../engine/index.js';
import { CnnError } from '../errors.js';
import { getDataset } from '../store/datasets.js';
import { getModel } from '../store/models.js';
import { loadTrainingData, splitIndices } from './common.js';
import { defaultLr, Fitter, type Stage } from './fit.js';
import type { JobRun } from './runner.js';
import type { FinetuneJob } from '../store/job-schemas.js';

export async function runFinetune(run: JobRun): Promise<Record<string, unknown>> {
  const { ctx, job } = run;
  const req = job.request as FinetuneJob;
  const opts = req.training;
  const tStart = performance.now();

  const base = await getModel(ctx, job.tenant, req.baseModelId, 'baseModelId');
  const dataset = await getDataset(ctx, job.tenant, req.datasetId, 'datasetId');
  const numClasses = req.numClasses ?? dataset.classes.length;
  const plan = planTransfer(base.spec, numClasses, { maxParams: ctx.config.limits.maxParams });
  const lr = defaultLr(opts);
  const s = req.strategy;

  const stageFor = (name: string, unfrozen: string[], epochs: number, stageLr: number, baseFactor: number): Stage => ({
    name,
    graph: compileNested(withTrainable(plan, new Set(unfrozen)), 'baseModel.spec', { maxParams: ctx.config.limits.maxParams }).graph,
    epochs,
    learningRate: stageLr,
    ...(unfrozen.length > 0 ? { groups: [{ layers: unfrozen, learningRate: stageLr * baseFactor }] } : {}),
  });
  let stages: Stage[];
  if (s.type === 'featureExtraction') stages = [stageFor('featureExtraction', [], opts.epochs, lr, 1)];
  else if (s.type === 'fineTune') stages = [stageFor('fineTune', unfrozenLayers(plan, s.unfreeze, 'strategy.unfreeze'), opts.epochs, lr, s.baseLearningRateFactor)];
  else {
    stages = [
      stageFor('featureExtraction', [], s.featureExtractionEpochs, lr, 1),
      stageFor('fineTune', unfrozenLayers(plan, s.unfreeze, 'strategy.unfreeze'), s.fineTuneEpochs, lr * s.fineTuneLearningRateFactor, s.baseLearningRateFactor),
    ];
  }

  await run.progress({ stage: 'preparing data', fraction: 0 });
  const pre = base.preprocessing;
  const data = await loadTrainingData(ctx, dataset, pre.inputShape, pre.resize, pre);
  const splits = splitIndices(data.meta, opts.validationSplit, opts.seed);
  const weights = join(ctx.blobs.modelDir(base.id), 'weights.safetensors');
  const initWeights = async (model: EngineModel): Promise<void> => {
    const report = await model.loadWeights(weights, { strict: !plan.headReplaced });
    const headTensors = new Set([`${plan.head}.weight`, `${plan.head}.bias`]);
    const unexpectedly = [...report.missing, ...report.unexpected, ...report.mismatched].filter((n) => !headTensors.has(n));
    if (unexpectedly.length > 0) {
      throw new CnnError('ENGINE_WEIGHTS_MISMATCH', `the base model's weights do not fit outside the head: ${unexpectedly.slice(0, 10).join(', ')}`, 'baseModelId', {
        missing: report.missing,
        unexpected: report.unexpected,
        mismatched: report.mismatched,
      });
    }
  };

  const fitter = new Fitter(run, { ...opts, epochs: stages.reduce((a, x) => a + x.epochs, 0) }, data, splits, numClasses);
  try {
    const fit = await fitter.fit(stages, initWeights);
    const result = await fitter.finish(
      fit,
      { dataset, classes: dataset.classes, spec: withTrainable(plan, new Set(plan.baseLayers)), preprocessing: pre, baseModelId: base.id },
      tStart,
    );
    return { ...result, strategy: s.type, headReplaced: plan.headReplaced };
  } finally {
    fitter.dispose();
  }
}
