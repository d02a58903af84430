/**
 * Train/serve parity: the artifact a job wrote is loaded from disk into a
 * fresh model, the way predict loads it (the spec compiled from spec.json,
 * the weights from weights.safetensors), and re-scores the split the job
 * reports. Accuracy must match exactly and the loss within 1e-6 relative;
 * otherwise the job fails with PARITY_MISMATCH and the model is never listed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileSpec } from '../architecture/index.js';
import { createEngineModel, type EngineModel } from '../engine/index.js';
import { CnnError } from '../errors.js';
import { normalizeToNchw } from '../export/normalize.js';
import type { ParityCheck, Preprocessing } from '../store/models.js';
import type { TrainingData } from './common.js';

export const PARITY_LOSS_RTOL = 1e-6;
const LOGIT_SAMPLE = 256;

export interface ParityInput {
  trained: EngineModel;
  /** What the trained model scored on `indices`. */
  scored: { accuracy: number; loss: number };
  split: string;
  indices: Int32Array;
  data: TrainingData;
  numClasses: number;
  preprocessing: Preprocessing;
  batchSize: number;
}

export async function checkParity(dir: string, p: ParityInput): Promise<ParityCheck> {
  const spec: unknown = JSON.parse(await readFile(join(dir, 'spec.json'), 'utf8'));
  const { graph } = compileSpec(spec);
  const reloaded = await createEngineModel(graph, {
    device: p.trained.device as 'cpu' | 'cuda',
    seed: 0,
    precision: p.trained.precision,
    channelsLast: p.trained.channelsLast,
  });
  try {
    await reloaded.loadWeights(join(dir, 'weights.safetensors'));
    const data = await reloaded.dataset(p.data.images, p.data.labels, p.data.shape, p.numClasses);
    let r;
    try {
      r = await reloaded.evaluate(data, { batchSize: p.batchSize, mean: p.preprocessing.mean, std: p.preprocessing.std, indices: p.indices });
    } finally {
      data.dispose();
    }
    // Logits of both models on the first images of the split (fp32 forward: what the weights compute).
    const { h, w, c } = p.data.shape;
    const n = Math.min(LOGIT_SAMPLE, p.indices.length);
    const size = h * w * c;
    const raw = new Uint8Array(n * size);
    for (let i = 0; i < n; i++) raw.set(p.data.images.subarray(p.indices[i]! * size, (p.indices[i]! + 1) * size), i * size);
    let maxLogitDiff = 0;
    if (n > 0) {
      const x = normalizeToNchw(raw, { n, h, w, c }, p.preprocessing);
      const [a, b] = [await p.trained.forward(x, n), await reloaded.forward(x, n)];
      for (let i = 0; i < a.length; i++) maxLogitDiff = Math.max(maxLogitDiff, Math.abs(a[i]! - b[i]!));
    }
    const check: ParityCheck = {
      split: p.split,
      n: r.count,
      accuracyTrained: p.scored.accuracy,
      accuracyReloaded: r.accuracy,
      lossTrained: p.scored.loss,
      lossReloaded: r.loss,
      maxLogitDiff,
    };
    const lossOk = Math.abs(r.loss - p.scored.loss) <= PARITY_LOSS_RTOL * Math.max(Math.abs(p.scored.loss), 1e-12);
    if (r.accuracy !== p.scored.accuracy || !lossOk) {
      throw new CnnError(
        'PARITY_MISMATCH',
        `the model reloaded from its artifact scores accuracy ${r.accuracy} and loss ${r.loss} on the ${p.split} split, the trained model ${p.scored.accuracy} and ${p.scored.loss}; it is not handed out`,
        undefined,
        check as unknown as Record<string, unknown>,
      );
    }
    return check;
  } finally {
    reloaded.dispose();
  }
}
