/**
 * Prediction in the API process: a small cache of loaded models, images
 * preprocessed by the same function that built the training cache, top-k
 * classes with probabilities.
 */
import { join } from 'node:path';
import { decodeForPredict } from '../data/index.js';
import { CnnError } from '../errors.js';
import { createEngineModel, type EngineModel } from '../engine/index.js';
import { compileSpec } from '../architecture/index.js';
import type { ServiceContext } from './context.js';
import { getModel, type ModelRecord } from './models.js';

/** Loaded models kept in memory; the least recently used one is dropped beyond this. */
const MODEL_CACHE_SIZE = 4;

interface Loaded {
  model: Promise<EngineModel>;
  /** Calls on one model run one after another (the engine runs one call per model at a time). */
  tail: Promise<unknown>;
}

const loaded = new Map<string, Loaded>();

function load(ctx: ServiceContext, rec: ModelRecord): Loaded {
  const key = `${rec.id}@${rec.createdAt}`;
  let entry = loaded.get(key);
  if (entry) {
    loaded.delete(key);
    loaded.set(key, entry); // most recently used last
    return entry;
  }
  const model = (async () => {
    const { graph } = compileSpec(rec.spec);
    // Served in fp32: the probabilities a client gets are the ones an exported file and an fp32 evaluation give.
    const m = await createEngineModel(graph, { device: ctx.config.device === 'cuda' ? 'cuda' : 'auto', seed: 0, precision: 'fp32' });
    await m.loadWeights(join(ctx.blobs.modelDir(rec.id), 'weights.safetensors'));
    return m;
  })();
  model.catch(() => loaded.delete(key));
  entry = { model, tail: Promise.resolve() };
  loaded.set(key, entry);
  while (loaded.size > MODEL_CACHE_SIZE) {
    const [oldKey, old] = loaded.entries().next().value as [string, Loaded];
    loaded.delete(oldKey);
    void old.tail.then(() => old.model.then((m) => m.dispose()).catch(() => undefined));
  }
  return entry;
}

export interface PredictionResult {
  modelId: string;
  predictions: { image: string; top: { className: string; classIndex: number; probability: number }[] }[];
}

export async function predict(
  ctx: ServiceContext,
  tenant: string,
  modelId: string,
  images: { name: string; data: Buffer }[],
  topKRaw?: string,
): Promise<PredictionResult> {
  const rec = await getModel(ctx, tenant, modelId);
  if (images.length === 0) throw new CnnError('PREDICT_BAD_IMAGE', 'send at least one `image` file', 'image');
  const max = ctx.config.limits.maxPredictImages;
  if (images.length > max) throw new CnnError('PREDICT_TOO_MANY_IMAGES', `at most ${max} images per request (CNN_MAX_PREDICT_IMAGES)`, 'image');
  const k = topKRaw === undefined ? Math.min(5, rec.classes.length) : Number(topKRaw);
  if (!Number.isInteger(k) || k < 1 || k > rec.classes.length) throw new CnnError('VALIDATION_FAILED', `topK must be an integer from 1 to ${rec.classes.length}`, 'topK');
  const pre = rec.preprocessing;
  const [h, w, c] = pre.inputShape;
  let decoded: { images: Buffer; n: number };
  try {
    decoded = await decodeForPredict(
      images.map((i) => i.data),
      { height: h, width: w, channels: c as 1 | 3, resize: pre.resize, maxImagePixels: ctx.config.limits.maxImagePixels },
    );
  } catch (e) {
    if (e instanceof CnnError) throw e;
    throw new CnnError('PREDICT_BAD_IMAGE', `an image could not be decoded: ${(e as Error).message}`, 'image');
  }
  const entry = load(ctx, rec);
  const run = entry.tail.then(async () => {
    const model = await entry.model;
    return model.predict(decoded.images, { n: decoded.n, h, w, c, mean: pre.mean, std: pre.std });
  });
  entry.tail = run.catch(() => undefined);
  const probs = await run;
  const K = rec.classes.length;
  return {
    modelId: rec.id,
    predictions: images.map((img, i) => {
      const row = Array.from(probs.subarray(i * K, (i + 1) * K));
      const top = row
        .map((p, j) => ({ className: rec.classes[j]!, classIndex: j, probability: p }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, k);
      return { image: img.name, top };
    }),
  };
}
