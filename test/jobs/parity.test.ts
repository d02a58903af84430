// The train/serve parity check on a real engine model and a real artifact
// directory: it passes on the artifact as written, and fails with
// PARITY_MISMATCH when the weights on disk are not the ones that were scored.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSpec } from '../../src/architecture/index.js';
import { createEngineModel } from '../../src/engine/index.js';
import { isCnnError } from '../../src/errors.js';
import { checkParity } from '../../src/jobs/parity.js';
import { loadFashion } from '../helpers/fashion.js';

const SPEC = {
  input: { shape: [28, 28, 1] },
  layers: [
    { type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
};

describe('checkParity', () => {
  it('passes on the artifact as written and fails when the weights on disk differ', async () => {
    const fashion = loadFashion('test', 200);
    const data = { images: Buffer.from(fashion.images), labels: fashion.labels, shape: { n: 200, h: 28, w: 28, c: 1 } };
    const pre = { inputShape: [28, 28, 1] as [number, number, number], resize: 'stretch' as const, scale: 1 / 255, mean: [0], std: [1] };
    const { graph, spec } = compileSpec(SPEC);
    const trained = await createEngineModel(graph, { device: 'cpu', seed: 1, precision: 'fp32' });
    const other = await createEngineModel(graph, { device: 'cpu', seed: 2, precision: 'fp32' });
    const dir = mkdtempSync(join(tmpdir(), 'cnn-parity-'));
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    await trained.saveWeights(join(dir, 'weights.safetensors'));
    const ds = await trained.dataset(data.images, data.labels, data.shape, 10);
    const indices = Int32Array.from({ length: 200 }, (_, i) => i);
    const scored = await trained.evaluate(ds, { batchSize: 64, mean: [0], std: [1], indices });
    const input = { trained, scored, split: 'test', indices, data: { ...data, meta: undefined as never, preprocessing: pre }, numClasses: 10, preprocessing: pre, batchSize: 64 };

    const ok = await checkParity(dir, input);
    expect(ok).toMatchObject({ split: 'test', n: 200, accuracyTrained: scored.accuracy, accuracyReloaded: scored.accuracy, maxLogitDiff: 0 });

    await other.saveWeights(join(dir, 'weights.safetensors'));
    const err = await checkParity(dir, input).catch((e: unknown) => e);
    expect(isCnnError(err) && err.code).toBe('PARITY_MISMATCH');
    expect((err as { details: { maxLogitDiff: number } }).details.maxLogitDiff).toBeGreaterThan(0);
    ds.dispose();
    trained.dispose();
    other.dispose();
  });
});
