/**
 * Steps the train and evaluate processors share: the packed data for a
 * model's input, the train/validation/test row indices, metrics from an
 * evaluation. Model artifacts are written by store/models.ts.
 */
import { ensurePackedCache, loadPackedCache, type PackedCacheMeta } from '../data/index.js';
import type { EngineDataset, EngineModel } from '../engine/index.js';
import type { StoreContext } from '../store/context.js';
import type { DatasetRecord } from '../store/datasets.js';
import type { Preprocessing } from '../store/models.js';
import { perClassMetrics, toMatrix } from './metrics.js';
import type { EpochRecord, EvalMetrics } from '../store/job-schemas.js';
import { predictionsFromProbabilities, writePredictions } from '../store/predictions.js';
import { rowBytes } from '../data/index.js';
import { seededRandom } from '../seeded-random.js';

export interface TrainingData {
  images: Buffer;
  labels: Int32Array;
  meta: PackedCacheMeta;
  shape: { n: number; h: number; w: number; c: number };
  preprocessing: Preprocessing;
}

/** The dataset decoded at the model's input size (built once, then reused from the cache). */
export async function loadTrainingData(
  ctx: StoreContext,
  dataset: DatasetRecord,
  inputShape: [number, number, number],
  resize: Preprocessing['resize'],
  /** The normalization a base model was trained with (fine-tuning); default: pixels / 255. */
  preprocessing?: Preprocessing,
): Promise<TrainingData> {
  const [h, w, c] = inputShape;
  const cache = await ensurePackedCache(ctx.blobs.datasetDir(dataset.id), { height: h, width: w, channels: c as 1 | 3, resize });
  const { images, labels, meta } = await loadPackedCache(cache);
  return {
    images,
    labels,
    meta,
    shape: { n: meta.n, h, w, c },
    preprocessing: preprocessing ?? { inputShape, resize, scale: 1 / 255, mean: new Array<number>(c).fill(0), std: new Array<number>(c).fill(1) },
  };
}

export interface SplitIndices {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}


const range = (offset: number, count: number) => Int32Array.from({ length: count }, (_, i) => offset + i);

/**
 * Validation is the test split when the dataset has one; otherwise a seeded,
 * shuffled `validationSplit` fraction of train is held out.
 */
export function splitIndices(meta: PackedCacheMeta, validationSplit: number, seed: number): SplitIndices {
  const train = range(meta.splits.train.offset, meta.splits.train.count);
  const test = range(meta.splits.test.offset, meta.splits.test.count);
  if (test.length > 0) return { train, validation: test, test };
  const held = Math.floor(train.length * validationSplit);
  if (held === 0) return { train, validation: new Int32Array(0), test };
  const next = seededRandom(seed);
  const shuffled = Int32Array.from(train);
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  return { train: shuffled.slice(held).sort(), validation: shuffled.slice(0, held).sort(), test };
}

export async function evaluateMetrics(
  model: EngineModel,
  data: EngineDataset,
  indices: Int32Array,
  classes: string[],
  pre: Preprocessing,
  batchSize: number,
): Promise<EvalMetrics> {
  const r = await model.evaluate(data, { batchSize, mean: pre.mean, std: pre.std, indices });
  const matrix = toMatrix(r.confusion, classes.length);
  return {
    loss: r.loss,
    accuracy: r.accuracy,
    ...(classes.length >= 5 ? { top5: r.top5 } : {}),
    count: r.count,
    perClass: perClassMetrics(matrix, classes),
    confusionMatrix: { classes, matrix },
  };
}

/**
 * Per-sample predictions of the evaluated rows (index, true class, top-5), stored for the
 * job so the misclassified images of a confusion-matrix cell can be shown. The same
 * preprocessing as the evaluation; rows go through predict in batches.
 */
export async function storeSamplePredictions(
  ctx: StoreContext,
  jobId: string,
  model: EngineModel,
  data: TrainingData,
  indices: Int32Array,
  numClasses: number,
  batchSize: number,
): Promise<number> {
  const { h, w, c } = data.shape;
  const rb = rowBytes({ height: h, width: w, channels: c as 1 | 3 });
  const labels = Int32Array.from(indices, (i) => data.labels[i]!);
  const probs = new Float32Array(indices.length * numClasses);
  for (let from = 0; from < indices.length; from += batchSize) {
    const rows = indices.subarray(from, from + batchSize);
    const batch = Buffer.allocUnsafe(rows.length * rb);
    rows.forEach((row, j) => data.images.copy(batch, j * rb, row * rb, (row + 1) * rb));
    const p = await model.predict(batch, { n: rows.length, h, w, c, mean: data.preprocessing.mean, std: data.preprocessing.std });
    probs.set(p.subarray(0, rows.length * numClasses), from * numClasses);
  }
  await writePredictions(ctx.blobs, jobId, predictionsFromProbabilities(probs, indices, labels, numClasses));
  return indices.length;
}
