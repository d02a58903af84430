/**
 * The train processor: packed data in, the fit loop (epochs with validation,
 * schedule, early stopping, a checkpoint after each epoch), a model artifact
 * and metrics out. A retried job resumes from its last checkpoint.
 */
import { performance } from 'node:perf_hooks';
import { compileNested } from '../architecture/index.js';
import { getDataset } from '../store/datasets.js';
import { loadTrainingData, splitIndices } from './common.js';
import { defaultLr, Fitter } from './fit.js';
import type { JobRun } from './runner.js';
import type { TrainJob } from '../store/job-schemas.js';

export async function runTrain(run: JobRun): Promise<Record<string, unknown>> {
  const { ctx, job } = run;
  const req = job.request as TrainJob;
  const opts = req.training;
  const tStart = performance.now();

  const dataset = await getDataset(ctx, job.tenant, req.datasetId, 'datasetId');
  const compiled = compileNested(req.model.spec, 'model.spec', { maxParams: ctx.config.limits.maxParams });
  await run.progress({ stage: 'preparing data', fraction: 0 });
  const data = await loadTrainingData(ctx, dataset, compiled.summary.inputShape as [number, number, number], opts.resize);
  const splits = splitIndices(data.meta, opts.validationSplit, opts.seed);
  const dataSeconds = (performance.now() - tStart) / 1000;

  const fitter = new Fitter(run, opts, data, splits, dataset.classes.length);
  try {
    const fit = await fitter.fit([{ name: 'train', graph: compiled.graph, epochs: opts.epochs, learningRate: defaultLr(opts) }]);
    const result = await fitter.finish(fit, { dataset, classes: dataset.classes, spec: compiled.spec, preprocessing: data.preprocessing }, tStart);
    return { ...result, durations: { dataSeconds: Math.round(dataSeconds * 1000) / 1000, ...(result.durations as object) } };
  } finally {
    fitter.dispose();
  }
}
