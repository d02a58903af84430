/**
 * Checks a job's references before it is queued: the dataset and model exist
 * for this tenant, the spec compiles, and the model's output fits the
 * dataset's classes. A job that would fail on these grounds is refused with a
 * 4xx now instead of failing later in a worker.
 */
import { CnnError } from '../errors.js';
import type { JobRequest } from '../store/job-schemas.js';
import { compileNested } from '../architecture/index.js';
import { planTransfer, unfrozenLayers } from '../architecture/transfer.js';
import { getDataset, type DatasetRecord } from '../store/datasets.js';
import { getModel } from '../store/models.js';
import type { ServiceContext } from './context.js';

/** DATASET_PREFLIGHT_FAILED when the dataset's report has errors and the job does not accept them. */
function checkPreflight(dataset: DatasetRecord, request: JobRequest): void {
  if (request.type === 'evaluate' || request.allowPreflightErrors) return;
  const errors = (dataset.preflight?.findings ?? []).filter((f) => f.severity === 'error');
  if (errors.length === 0) return;
  throw new CnnError(
    'DATASET_PREFLIGHT_FAILED',
    `dataset ${dataset.id} has ${errors.length} pre-flight error${errors.length === 1 ? '' : 's'} (${errors.map((f) => f.code).join(', ')}); fix the data or set allowPreflightErrors: true`,
    'datasetId',
    { findings: errors },
  );
}

export async function checkJobInputs(ctx: ServiceContext, tenant: string, request: JobRequest): Promise<void> {
  const dataset = await getDataset(ctx, tenant, request.datasetId, 'datasetId');
  if (request.type === 'train') {
    const { summary } = compileNested(request.model.spec, 'model.spec', { maxParams: ctx.config.limits.maxParams });
    const out = summary.outputShape;
    if (out.length !== 1 || out[0] !== dataset.classes.length) {
      throw new CnnError(
        'DATASET_INCOMPATIBLE',
        `the model outputs [${out.join(', ')}] but dataset ${dataset.id} has ${dataset.classes.length} classes; end the spec with a dense layer of ${dataset.classes.length} units`,
        'model.spec.layers',
      );
    }
    const channels = summary.inputShape[2];
    if (channels !== 1 && channels !== 3) {
      throw new CnnError('DATASET_INCOMPATIBLE', `input.shape must have 1 (grayscale) or 3 (RGB) channels to train on images, not ${channels}`, 'model.spec.input.shape');
    }
  } else if (request.type === 'finetune') {
    const base = await getModel(ctx, tenant, request.baseModelId, 'baseModelId');
    const k = request.numClasses ?? dataset.classes.length;
    if (k !== dataset.classes.length) {
      throw new CnnError('DATASET_INCOMPATIBLE', `numClasses is ${k} but dataset ${dataset.id} has ${dataset.classes.length} classes`, 'numClasses');
    }
    // Plans the transfer now, so an unknown fromLayer or a base without a dense head is a 400, not a failed job.
    const plan = planTransfer(base.spec, k, { maxParams: ctx.config.limits.maxParams });
    const s = request.strategy;
    if (s.type !== 'featureExtraction') unfrozenLayers(plan, s.unfreeze, 'strategy.unfreeze');
  } else {
    const model = await getModel(ctx, tenant, request.modelId, 'modelId');
    if (model.classes.length !== dataset.classes.length) {
      throw new CnnError(
        'DATASET_INCOMPATIBLE',
        `model ${model.id} has ${model.classes.length} classes, dataset ${dataset.id} has ${dataset.classes.length}`,
        'datasetId',
      );
    }
    if (request.split === 'test' && !(dataset.counts.test && dataset.counts.test.some((c) => c > 0))) {
      throw new CnnError('DATASET_INCOMPATIBLE', `dataset ${dataset.id} has no test split; use split 'train' or 'all'`, 'split');
    }
  }
  // Last: a job that is wrong for other reasons says so first.
  checkPreflight(dataset, request);
}
