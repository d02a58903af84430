import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CnnError, type ErrorCode } from '../../src/errors.js';
import { augmentBatch, createEngineDataset, createEngineModel, type EngineDataset } from '../../src/engine/index.js';
import { loadFashion } from '../helpers/fashion.js';
import { mnistCnn } from './graphs.js';
import { asF32, readSt } from './safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'cnn-options-'));
const fashion = loadFashion('train', 1024);
const probe = new Float32Array(2 * 784).map((_, i) => Math.cos(i) * 0.5 + 0.5);
let data: EngineDataset;

beforeAll(async () => {
  data = await createEngineDataset(fashion.images, fashion.labels, fashion, 10);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<ErrorCode> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(CnnError);
    return (e as CnnError).code;
  }
  throw new Error('expected an error');
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

async function tensorValues(model: Awaited<ReturnType<typeof createEngineModel>>, name: string): Promise<Float32Array> {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.safetensors`);
  await model.saveWeights(path);
  return asF32(readSt(path).tensors.get(name)!);
}

describe('model options', () => {
  it('takes fp32 or bf16 on the CPU and refuses other precisions', async () => {
    const fp32 = await createEngineModel(mnistCnn(), { precision: 'fp32' });
    expect(fp32.precision).toBe('fp32');
    fp32.dispose();
    const bf16 = await createEngineModel(mnistCnn(), { precision: 'bf16' });
    expect(bf16.precision).toBe('bf16');
    bf16.dispose();
    expect(await codeOf(createEngineModel(mnistCnn(), { precision: 'fp16' as 'bf16' }))).toBe('ENGINE_BAD_ARGUMENT');
  });

  it('computes the same in channels-last memory order, and its files load into a plain model', async () => {
    const plain = await createEngineModel(mnistCnn(), { seed: 3, channelsLast: false });
    const nhwc = await createEngineModel(mnistCnn(), { seed: 3, channelsLast: true, deterministic: true });
    expect(nhwc.channelsLast).toBe(true);
    expect(maxDiff(await plain.forward(probe, 2), await nhwc.forward(probe, 2))).toBeLessThan(1e-5);
    nhwc.configureOptimizer({ type: 'adam', learningRate: 1e-3 });
    await nhwc.trainEpoch(data, { batchSize: 64, maxSteps: 4, augment: { horizontalFlip: true } });
    const path = join(dir, 'nhwc.safetensors');
    await nhwc.saveWeights(path);
    await plain.loadWeights(path);
    expect(maxDiff(await plain.forward(probe, 2), await nhwc.forward(probe, 2))).toBeLessThan(1e-5);
    plain.dispose();
    nhwc.dispose();
  });
});

describe('training options', () => {
  it('weights the loss per class', async () => {
    const model = await createEngineModel(mnistCnn(), { seed: 1 });
    model.configureOptimizer({ type: 'sgd', learningRate: 0.01 });
    expect(await codeOf(model.trainEpoch(data, { classWeights: [1, 2, 3] }))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(model.trainEpoch(data, { classWeights: new Array(10).fill(0) }))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(model.trainEpoch(data, { classWeights: [-1, 1, 1, 1, 1, 1, 1, 1, 1, 1] }))).toBe('ENGINE_BAD_ARGUMENT');

    // Equal weights change nothing (the weighted mean divides by the weights).
    const run = async (classWeights?: number[]) => {
      const m = await createEngineModel(mnistCnn(), { seed: 2 });
      m.configureOptimizer({ type: 'sgd', learningRate: 0.01 });
      const r = await m.trainEpoch(data, { batchSize: 64, maxSteps: 3, seed: 1, ...(classWeights ? { classWeights } : {}) });
      m.dispose();
      return r.loss;
    };
    expect(await run(new Array(10).fill(2))).toBeCloseTo(await run(), 5);

    // Only class 3 counts: the model learns to answer 3.
    const only3 = Array.from({ length: 10 }, (_, i) => (i === 3 ? 1 : 0));
    model.configureOptimizer({ type: 'adam', learningRate: 1e-3 });
    await model.trainEpoch(data, { batchSize: 64, classWeights: only3 });
    const ev = await model.evaluate(data);
    const predicted3 = [...Array(10).keys()].reduce((a, t) => a + ev.confusion[t * 10 + 3]!, 0);
    expect(predicted3 / ev.count).toBeGreaterThan(0.9);
    model.dispose();
  });

  it('clips the global gradient norm', async () => {
    const step = async (gradClipNorm?: number) => {
      const m = await createEngineModel(mnistCnn(), { seed: 4 });
      m.configureOptimizer({ type: 'sgd', learningRate: 1 });
      const before = await m.forward(probe, 2);
      await m.trainEpoch(data, { batchSize: 64, maxSteps: 1, seed: 1, ...(gradClipNorm ? { gradClipNorm } : {}) });
      const change = maxDiff(before, await m.forward(probe, 2));
      m.dispose();
      return change;
    };
    expect(await step()).toBeGreaterThan(1e-2);
    // With lr 1, the whole update has norm 1e-7: the outputs hardly move.
    expect(await step(1e-7)).toBeLessThan(1e-4);
  });

  it('trains layer groups at their own rates and keeps the ratio when the rate changes', async () => {
    const model = await createEngineModel(mnistCnn(), { seed: 5 });
    expect(await codeOf(() => model.configureOptimizer({ type: 'sgd', learningRate: 0.1, groups: [{ layers: ['conv9'], learningRate: 1 }] }))).toBe(
      'ENGINE_BAD_ARGUMENT',
    );
    expect(
      await codeOf(() =>
        model.configureOptimizer({
          type: 'sgd',
          learningRate: 0.1,
          groups: [
            { layers: ['conv1'], learningRate: 1 },
            { layers: ['conv1'], learningRate: 2 },
          ],
        }),
      ),
    ).toBe('ENGINE_BAD_ARGUMENT');

    model.configureOptimizer({ type: 'sgd', learningRate: 0.05, momentum: 0.9, groups: [{ layers: ['conv1', 'conv2'], learningRate: 1e-30 }] });
    model.setLearningRate(0.1);
    expect(model.learningRate).toBe(0.1);
    const conv = await tensorValues(model, 'conv2.weight');
    const fc = await tensorValues(model, 'fc1.weight');
    await model.trainEpoch(data, { batchSize: 64, maxSteps: 5 });
    expect(maxDiff(conv, await tensorValues(model, 'conv2.weight'))).toBeLessThan(1e-12);
    expect(maxDiff(fc, await tensorValues(model, 'fc1.weight'))).toBeGreaterThan(1e-4);

    // The groups survive a checkpoint.
    await model.saveOptimizer(join(dir, 'groups.pt'));
    const other = await createEngineModel(mnistCnn(), { seed: 6 });
    other.configureOptimizer({ type: 'sgd', learningRate: 0.5, groups: [{ layers: ['conv1', 'conv2'], learningRate: 0.5 }] });
    await other.loadOptimizer(join(dir, 'groups.pt'));
    expect(other.learningRate).toBe(0.1);
    model.dispose();
    other.dispose();
  });
});

describe('random resized crop', () => {
  // An 8x8 image whose value grows with the column: 30 per column.
  const images = new Uint8Array(64).map((_, i) => (i % 8) * 30);
  const shape = { n: 1, h: 8, w: 8, c: 1 };

  it('is the identity when the crop is the whole image', async () => {
    const out = await augmentBatch(images, shape, { randomResizedCrop: { scale: [1, 1], ratio: [1, 1] } }, 1);
    for (let i = 0; i < 64; i++) expect(out[i]).toBeCloseTo(images[i]! / 255, 5);
  });

  it('magnifies a quarter of the image back to full size', async () => {
    for (const seed of [1, 2, 3]) {
      const out = await augmentBatch(images, shape, { randomResizedCrop: { scale: [0.25, 0.25], ratio: [1, 1] } }, seed);
      const row0 = Array.from(out.subarray(0, 8));
      for (let r = 1; r < 8; r++) for (let c = 0; c < 8; c++) expect(out[r * 8 + c]).toBeCloseTo(row0[c]!, 5);
      for (let c = 1; c < 8; c++) expect(row0[c]!).toBeGreaterThanOrEqual(row0[c - 1]!);
      // A 4-column crop spans 3 column steps of 30 (90 of the 210 range); resampling it to 8 columns
      // reads a quarter pixel past each edge of the crop (the image goes on there), so at most 3.5 steps.
      expect((row0[7]! - row0[0]!) * 255).toBeLessThanOrEqual(105 + 1e-3);
      expect((row0[7]! - row0[0]!) * 255).toBeGreaterThan(45);
    }
  });
});
