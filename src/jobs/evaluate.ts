/** The evaluate processor: a stored model on a dataset split, with the same preprocessing it was trained with. */
import { compileNested } from '../architecture/index.js';
import { getDataset } from '../store/datasets.js';
import { getModel } from '../store/models.js';
import { createEngineModel } from '../engine/index.js';
import { evaluateMetrics, loadTrainingData, storeSamplePredictions } from './common.js';
import type { JobRun } from './runner.js';
import type { EvaluateJob } from '../store/job-schemas.js';
import { join } from 'node:path';

export async function runEvaluate(run: JobRun): Promise<Record<string, unknown>> {
  const { ctx, job } = run;
  const req = job.request as EvaluateJob;
  const modelRec = await getModel(ctx, job.tenant, req.modelId, 'modelId');
  const dataset = await getDataset(ctx, job.tenant, req.datasetId, 'datasetId');
  const compiled = compileNested(modelRec.spec, 'model.spec', { maxParams: ctx.config.limits.maxParams });
  await run.progress({ stage: 'preparing data', fraction: 0 });
  const pre = modelRec.preprocessing;
  const data = await loadTrainingData(ctx, dataset, pre.inputShape, pre.resize);
  // fp32 as the final evaluation of a train job and predict: the same weights score the same on the same images.
  const model = await createEngineModel(compiled.graph, { device: req.device === 'auto' ? run.device : req.device, seed: 0, precision: 'fp32' });
  run.onStop(() => model.cancel());
  try {
    await model.loadWeights(join(ctx.blobs.modelDir(modelRec.id), 'weights.safetensors'));
    const engineData = await model.dataset(data.images, data.labels, data.shape, dataset.classes.length);
    const { train, test } = data.meta.splits;
    const offset = req.split === 'test' ? test.offset : train.offset;
    const count = req.split === 'test' ? test.count : req.split === 'train' ? train.count : data.meta.n;
    const indices = Int32Array.from({ length: count }, (_, i) => offset + i);
    await run.progress({ stage: 'evaluating', fraction: 0.5 });
    const metrics = await evaluateMetrics(model, engineData, indices, modelRec.classes, pre, req.batchSize);
    await storeSamplePredictions(ctx, job.id, model, { ...data, preprocessing: pre }, indices, modelRec.classes.length, req.batchSize);
    return { modelId: modelRec.id, datasetId: dataset.id, split: req.split, metrics, device: model.device };
  } finally {
    model.dispose();
  }
}
