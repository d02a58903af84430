/**
 * Exact semantics of the training knobs on tiny models, where every weight
 * can be read back: per-layer learning rates, class weights, gradient
 * clipping, determinism, channels-last memory order and RandomResizedCrop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CnnError, type ErrorCode } from '../../src/errors.js';
import {
  augmentBatch,
  createEngineDataset,
  createEngineModel,
  type EngineDataset,
  type EngineModel,
  type NormalizedGraph,
  type OptimizerOptions,
} from '../../src/engine/index.js';
import { loadFashion } from '../helpers/fashion.js';
import { bnResidualConcat, dense, flatten, mnistCnn } from './graphs.js';
import { asF32, readSt } from './safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'cnn-semantics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIDE = 4;
const PIXELS = SIDE * SIDE;
const TOY_N = 64;

/** 4x4 grey images: class 0 is bright on the left half, class 1 on the right half, with noise. */
function toyData(): { images: Uint8Array; labels: Int32Array } {
  const images = new Uint8Array(TOY_N * PIXELS);
  const labels = new Int32Array(TOY_N);
  for (let i = 0; i < TOY_N; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < PIXELS; p++) {
      const left = p % SIDE < SIDE / 2;
      const lit = (labels[i] === 0) === left;
      images[i * PIXELS + p] = (lit ? 180 : 20) + ((i * 31 + p * 17) % 50);
    }
  }
  return { images, labels };
}

/** flatten -> fc1 (16 -> 8, relu) -> fc2 (8 -> 2). */
function mlp(opts: { frozenFc1?: boolean } = {}): NormalizedGraph {
  return {
    input: { shape: [1, SIDE, SIDE] },
    layers: [flatten('flatten', -1, [PIXELS]), dense('fc1', 0, PIXELS, 8, 'relu', !opts.frozenFc1), dense('fc2', 1, 8, 2)],
    output: 2,
    outputSoftmax: true,
  };
}

const PARAMS = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'] as const;
type Weights = Record<(typeof PARAMS)[number], Float32Array>;

let saved = 0;
async function weights(model: EngineModel): Promise<Weights> {
  const path = join(dir, `w${saved++}.safetensors`);
  await model.saveWeights(path);
  const st = readSt(path);
  return Object.fromEntries(PARAMS.map((n) => [n, asF32(st.tensors.get(n)!)])) as Weights;
}

function delta(after: Float32Array, before: Float32Array): number[] {
  return Array.from(after, (v, i) => v - before[i]!);
}

function norm(values: number[]): number {
  return Math.sqrt(values.reduce((a, v) => a + v * v, 0));
}

function expectClose(actual: number[], expected: number[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tolerance);
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<{ code: ErrorCode; message: string }> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(CnnError);
    return { code: (e as CnnError).code, message: (e as CnnError).message };
  }
  throw new Error('expected an error');
}

let toy: EngineDataset;
beforeAll(async () => {
  const { images, labels } = toyData();
  toy = await createEngineDataset(images, labels, { n: TOY_N, h: SIDE, w: SIDE, c: 1 }, 2);
});
afterAll(() => toy?.dispose());

/** One full-batch SGD step (no momentum) from the seed-9 initial weights; the change of every parameter. */
async function sgdStep(
  optimizer: Omit<OptimizerOptions, 'type'>,
  setLr?: number,
  graph = mlp(),
  train: { classWeights?: number[]; gradClipNorm?: number; indices?: Int32Array } = {},
): Promise<{ before: Weights; change: Record<keyof Weights, number[]>; loss: number }> {
  const model = await createEngineModel(graph, { seed: 9 });
  model.configureOptimizer({ type: 'sgd', ...optimizer });
  if (setLr !== undefined) model.setLearningRate(setLr);
  const before = await weights(model);
  const r = await model.trainEpoch(toy, { batchSize: TOY_N, shuffle: false, maxSteps: 1, seed: 1, ...train });
  const after = await weights(model);
  model.dispose();
  const change = Object.fromEntries(PARAMS.map((n) => [n, delta(after[n], before[n])])) as Record<keyof Weights, number[]>;
  return { before, change, loss: r.loss };
}

describe('optimizer parameter groups', () => {
  it("moves each layer's weights by its own rate times the gradient", async () => {
    const base = await sgdStep({ learningRate: 0.1 });
    const grouped = await sgdStep({ learningRate: 0.1, groups: [{ layers: ['fc2'], learningRate: 0.025 }] });
    expect(Array.from(grouped.before['fc2.weight'])).toEqual(Array.from(base.before['fc2.weight']));
    // Same start, same batch: the same gradient. Only the rate of fc2 differs (x 0.25).
    expect(norm(base.change['fc1.weight'])).toBeGreaterThan(1e-4);
    expect(norm(base.change['fc2.weight'])).toBeGreaterThan(1e-4);
    expectClose(grouped.change['fc1.weight'], base.change['fc1.weight'], 1e-7);
    expectClose(grouped.change['fc1.bias'], base.change['fc1.bias'], 1e-7);
    expectClose(grouped.change['fc2.weight'], base.change['fc2.weight'].map((d) => d * 0.25), 1e-7);
    expectClose(grouped.change['fc2.bias'], base.change['fc2.bias'].map((d) => d * 0.25), 1e-7);
  });

  it('setLearningRate sets the default group and keeps every ratio', async () => {
    const base = await sgdStep({ learningRate: 0.1 });
    // Default 0.1 -> 0.4 (x 4); fc2 0.025 -> 0.1, the base run's rate.
    const scaled = await sgdStep({ learningRate: 0.1, groups: [{ layers: ['fc2'], learningRate: 0.025 }] }, 0.4);
    expectClose(scaled.change['fc1.weight'], base.change['fc1.weight'].map((d) => d * 4), 1e-6);
    expectClose(scaled.change['fc2.weight'], base.change['fc2.weight'], 1e-7);
    expectClose(scaled.change['fc2.bias'], base.change['fc2.bias'], 1e-7);

    const model = await createEngineModel(mlp(), { seed: 9 });
    model.configureOptimizer({ type: 'sgd', learningRate: 0.1, groups: [{ layers: ['fc2'], learningRate: 0.025 }] });
    expect(model.learningRate).toBe(0.1);
    model.setLearningRate(0.4);
    expect(model.learningRate).toBe(0.4);
    model.dispose();
  });

  it('keeps frozen layers out of the optimizer, even when a group names them', async () => {
    const step = await sgdStep({ learningRate: 0.1, groups: [{ layers: ['fc1'], learningRate: 1 }] }, undefined, mlp({ frozenFc1: true }));
    expect(norm(step.change['fc1.weight'])).toBe(0);
    expect(norm(step.change['fc1.bias'])).toBe(0);
    expect(norm(step.change['fc2.weight'])).toBeGreaterThan(1e-4);
  });

  it('accepts layers without parameters and names unknown layers in the error', async () => {
    const model = await createEngineModel(mlp(), { seed: 9 });
    model.configureOptimizer({ type: 'adam', learningRate: 1e-3, groups: [{ layers: ['flatten', 'fc1'], learningRate: 1e-4 }] });
    const bad = await codeOf(() => model.configureOptimizer({ type: 'adam', learningRate: 1e-3, groups: [{ layers: ['fc1', 'head9'], learningRate: 1e-4 }] }));
    expect(bad.code).toBe('ENGINE_BAD_ARGUMENT');
    expect(bad.message).toContain('head9');
    expect((await codeOf(() => model.configureOptimizer({ type: 'sgd', learningRate: 0.1, groups: [{ layers: ['fc2'], learningRate: -1 }] }))).code).toBe(
      'ENGINE_BAD_ARGUMENT',
    );
    model.dispose();
  });

  it('saves and restores grouped optimizer state with the group rates', async () => {
    const groups = [{ layers: ['fc2'], learningRate: 0.025 }];
    const a = await createEngineModel(mlp(), { seed: 9 });
    a.configureOptimizer({ type: 'sgd', learningRate: 0.1, momentum: 0.9, groups });
    a.setLearningRate(0.2);
    await a.trainEpoch(toy, { batchSize: 16, seed: 1 });
    const path = join(dir, 'grouped.pt');
    await a.saveOptimizer(path);

    const b = await createEngineModel(mlp(), { seed: 9 });
    b.configureOptimizer({ type: 'sgd', learningRate: 0.7, momentum: 0.9, groups: [{ layers: ['fc2'], learningRate: 0.7 }] });
    await b.loadOptimizer(path);
    expect(b.learningRate).toBe(0.2);
    // The restored ratio (0.25) holds for later rate changes.
    const ws = join(dir, 'grouped.safetensors');
    await a.saveWeights(ws);
    await b.loadWeights(ws);
    a.setLearningRate(0.05);
    b.setLearningRate(0.05);
    await a.trainEpoch(toy, { batchSize: 16, seed: 2 });
    await b.trainEpoch(toy, { batchSize: 16, seed: 2 });
    const wa = await weights(a);
    const wb = await weights(b);
    for (const n of PARAMS) expectClose(Array.from(wb[n]), Array.from(wa[n]), 1e-6);

    // Other groups than at saving time: a bad argument, and the optimizer is untouched.
    const c = await createEngineModel(mlp(), { seed: 9 });
    c.configureOptimizer({ type: 'sgd', learningRate: 0.3, momentum: 0.9 });
    expect((await codeOf(c.loadOptimizer(path))).code).toBe('ENGINE_BAD_ARGUMENT');
    expect(c.learningRate).toBe(0.3);
    a.dispose();
    b.dispose();
    c.dispose();
  });
});

describe('class weights', () => {
  it('gives no gradient to samples of a zero-weight class, even a batch of only those', async () => {
    const class1 = Int32Array.from({ length: TOY_N / 2 }, (_, i) => 2 * i + 1);
    const step = await sgdStep({ learningRate: 0.1 }, undefined, mlp(), { classWeights: [1, 0], indices: class1 });
    expect(Number.isFinite(step.loss)).toBe(true);
    for (const n of PARAMS) expect(norm(step.change[n])).toBe(0);
  });

  it('follows cross_entropy(weight=...): the batch mean is over the weights of the targets', async () => {
    // Equal weights leave the mean unchanged; [1, 0] is the mean loss of class 0 alone.
    const plain = await sgdStep({ learningRate: 0.1 });
    const doubled = await sgdStep({ learningRate: 0.1 }, undefined, mlp(), { classWeights: [2, 2] });
    expect(doubled.loss).toBeCloseTo(plain.loss, 6);
    expectClose(doubled.change['fc2.weight'], plain.change['fc2.weight'], 1e-7);
    const class0 = Int32Array.from({ length: TOY_N / 2 }, (_, i) => 2 * i);
    const only0 = await sgdStep({ learningRate: 0.1 }, undefined, mlp(), { indices: class0 });
    const masked = await sgdStep({ learningRate: 0.1 }, undefined, mlp(), { classWeights: [1, 0], indices: Int32Array.from({ length: TOY_N }, (_, i) => i) });
    expectClose(masked.change['fc2.weight'], only0.change['fc2.weight'], 1e-6);
  });

  it('never learns a class whose weight is 0', async () => {
    const model = await createEngineModel(mlp(), { seed: 3 });
    model.configureOptimizer({ type: 'adam', learningRate: 0.01 });
    for (let epoch = 1; epoch <= 15; epoch++) await model.trainEpoch(toy, { batchSize: 8, seed: epoch, classWeights: [1, 0] });
    const ev = await model.evaluate(toy);
    expect(ev.confusion[1 * 2 + 1]).toBe(0); // no class-1 sample is called class 1
    expect(ev.confusion[0]).toBe(TOY_N / 2);
    model.dispose();
  });

  it('checks lengths and values natively', async () => {
    const model = await createEngineModel(mlp(), { seed: 3 });
    model.configureOptimizer({ type: 'sgd', learningRate: 0.1 });
    for (const classWeights of [[1], [1, 1, 1], [1, -0.5], [0, 0], [1, Number.NaN]]) {
      expect((await codeOf(model.trainEpoch(toy, { classWeights }))).code).toBe('ENGINE_BAD_ARGUMENT');
    }
    for (const gradClipNorm of [-1, Number.POSITIVE_INFINITY]) {
      expect((await codeOf(model.trainEpoch(toy, { gradClipNorm }))).code).toBe('ENGINE_BAD_ARGUMENT');
    }
    model.dispose();
  });
});

describe('gradient clipping', () => {
  it('bounds one SGD update by lr x clip norm, scaling (not dropping) the gradient', async () => {
    const lr = 0.5;
    const clip = 1e-3;
    const all = (c: Record<keyof Weights, number[]>) => PARAMS.flatMap((n) => c[n]);
    const free = await sgdStep({ learningRate: lr });
    const clipped = await sgdStep({ learningRate: lr }, undefined, mlp(), { gradClipNorm: clip });
    expect(norm(all(free.change))).toBeGreaterThan(lr * clip * 10);
    const n = norm(all(clipped.change));
    expect(n).toBeLessThanOrEqual(lr * clip * 1.001);
    expect(n).toBeGreaterThan(lr * clip * 0.99);
    // Same direction as the unclipped update.
    const f = all(free.change);
    const c = all(clipped.change);
    const cosine = f.reduce((a, v, i) => a + v * c[i]!, 0) / (norm(f) * n);
    expect(cosine).toBeGreaterThan(0.9999);
    // A clip above the gradient norm changes nothing.
    const loose = await sgdStep({ learningRate: lr }, undefined, mlp(), { gradClipNorm: 1e6 });
    expectClose(all(loose.change), f, 1e-7);
  });

  it('keeps a huge learning rate finite', async () => {
    const model = await createEngineModel(mnistCnn(), { seed: 4 });
    model.configureOptimizer({ type: 'sgd', learningRate: 1e4 });
    const f = loadFashion('train', 256);
    const data = await createEngineDataset(f.images, f.labels, f, 10);
    const r = await model.trainEpoch(data, { batchSize: 64, seed: 1, gradClipNorm: 1e-4 });
    expect(Number.isFinite(r.loss)).toBe(true);
    model.dispose();
    data.dispose();
  });
});

describe('execution settings on the CPU', () => {
  const probe = new Float32Array(3 * 144).map((_, i) => Math.sin(i * 0.7));

  it('gives the same logits, predictions and metrics in channels-last order', async () => {
    const plain = await createEngineModel(bnResidualConcat(), { seed: 5, channelsLast: false, precision: 'fp32' });
    const nhwc = await createEngineModel(bnResidualConcat(), { seed: 5, channelsLast: true, precision: 'fp32' });
    expect(plain.channelsLast).toBe(false);
    expect(nhwc.channelsLast).toBe(true);
    expect(nhwc.precision).toBe('fp32');
    const a = await plain.forward(probe, 3);
    const b = await nhwc.forward(probe, 3);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);

    const images = new Uint8Array(32 * 144).map((_, i) => (i * 37) % 256);
    const labels = Int32Array.from({ length: 32 }, (_, i) => i % 10);
    const data = await createEngineDataset(images, labels, { n: 32, h: 12, w: 12, c: 1 }, 10);
    for (const m of [plain, nhwc]) m.configureOptimizer({ type: 'sgd', learningRate: 0.05 });
    const ra = await plain.trainEpoch(data, { batchSize: 8, seed: 3 });
    const rb = await nhwc.trainEpoch(data, { batchSize: 8, seed: 3 });
    expect(rb.loss).toBeCloseTo(ra.loss, 4);
    const pa = await plain.predict(images, { n: 32, h: 12, w: 12, c: 1 });
    const pb = await nhwc.predict(images, { n: 32, h: 12, w: 12, c: 1 });
    for (let i = 0; i < pa.length; i++) expect(Math.abs(pa[i]! - pb[i]!)).toBeLessThan(1e-4);
    const ea = await plain.evaluate(data);
    const eb = await nhwc.evaluate(data);
    expect(eb.loss).toBeCloseTo(ea.loss, 4);
    plain.dispose();
    nhwc.dispose();
    data.dispose();
  });

  it('repeats an epoch exactly when deterministic', async () => {
    const f = loadFashion('train', 512);
    const data = await createEngineDataset(f.images, f.labels, f, 10);
    const run = async () => {
      const model = await createEngineModel(mnistCnn(), { seed: 12, deterministic: true });
      model.configureOptimizer({ type: 'adam', learningRate: 1e-3 });
      const r = await model.trainEpoch(data, { batchSize: 64, seed: 4, augment: { rotationRange: 10, horizontalFlip: true } });
      const out = await model.forward(new Float32Array(784).map((_, i) => (i % 29) / 29), 1);
      model.dispose();
      return { loss: r.loss, accuracy: r.accuracy, out: Array.from(out) };
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    data.dispose();
  });

  it('takes bf16 on the CPU when asked, and fp32', async () => {
    const bf16 = await createEngineModel(mlp(), { precision: 'bf16', device: 'cpu' });
    expect(bf16.precision).toBe('bf16');
    bf16.dispose();
    const fp32 = await createEngineModel(mlp(), { precision: 'fp32' });
    expect(fp32.precision).toBe('fp32');
    fp32.dispose();
  });
});

describe('RandomResizedCrop', () => {
  const S = 16;
  const shape = { n: 1, h: S, w: S, c: 1 };

  /** n copies of a 16x16 black image with a bright 4x4 square in the centre (rows and columns 6..9). */
  function squares(n: number): Uint8Array {
    const images = new Uint8Array(n * S * S);
    for (let i = 0; i < n; i++) for (let r = 6; r < 10; r++) for (let c = 6; c < 10; c++) images[i * S * S + r * S + c] = 255;
    return images;
  }

  it('is the identity for the whole image at ratio 1', async () => {
    const images = new Uint8Array(S * S).map((_, i) => (i * 53) % 256);
    const out = await augmentBatch(images, shape, { randomResizedCrop: { scale: [1, 1], ratio: [1, 1] } }, 5);
    for (let i = 0; i < S * S; i++) expect(Math.abs(out[i]! - images[i]! / 255)).toBeLessThan(1e-5);
  });

  it('zooms in: a crop of a smaller area makes a centred square grow', async () => {
    // 0.5625 of the area at ratio 1 is a 12x12 crop at offset 0..4: it always holds the square, magnified 16/12.
    const n = 16;
    const out = await augmentBatch(squares(n), { ...shape, n }, { randomResizedCrop: { scale: [0.5625, 0.5625], ratio: [1, 1] } }, 3);
    const positions = new Set<string>();
    for (let i = 0; i < n; i++) {
      const img = out.subarray(i * S * S, (i + 1) * S * S);
      const sum = img.reduce((a, v) => a + v, 0);
      const lit = img.filter((v) => v > 0.5).length;
      expect(lit).toBeGreaterThan(16);
      expect(sum).toBeGreaterThan(16 * 1.5);
      expect(sum).toBeLessThan(16 * 2.1);
      let top = S;
      let left = S;
      for (let p = 0; p < S * S; p++) if (img[p]! > 0.5) (top = Math.min(top, Math.floor(p / S))), (left = Math.min(left, p % S));
      positions.add(`${top},${left}`);
    }
    // The crop position is drawn per sample.
    expect(positions.size).toBeGreaterThan(1);
  });

  it('falls back to the central crop of the widest allowed ratio when no try fits', async () => {
    // Ratio 2 (w/h) at the whole area never fits a square image: the fallback keeps the full width and
    // the central half of the rows (4..11), stretched to 16 rows.
    const rows = new Uint8Array(S * S).map((_, i) => Math.floor(i / S) * 16);
    const out = await augmentBatch(rows, shape, { randomResizedCrop: { scale: [1, 1], ratio: [2, 2] } }, 1);
    for (let r = 0; r < S; r++) for (let c = 1; c < S; c++) expect(out[r * S + c]).toBeCloseTo(out[r * S]!, 6);
    // Output row r reads input row 4 + (r + 0.5) / 2 - 0.5.
    for (const r of [2, 7, 8, 13]) expect(out[r * S]! * 255).toBeCloseTo((4 + (r + 0.5) / 2 - 0.5) * 16, 2);
  });

  it('repeats for a seed and differs across seeds', async () => {
    const n = 8;
    const knobs = { randomResizedCrop: { scale: [0.2, 0.9] as [number, number], ratio: [0.75, 1.333] as [number, number] }, horizontalFlip: true };
    const a = await augmentBatch(squares(n), { ...shape, n }, knobs, 11);
    const b = await augmentBatch(squares(n), { ...shape, n }, knobs, 11);
    const c = await augmentBatch(squares(n), { ...shape, n }, knobs, 12);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('checks its ranges', async () => {
    for (const randomResizedCrop of [
      { scale: [0, 0.5] },
      { scale: [0.5, 1.5] },
      { scale: [0.9, 0.1] },
      { ratio: [0, 1] },
      { ratio: [2, 1] },
    ] as { scale?: [number, number]; ratio?: [number, number] }[]) {
      expect((await codeOf(augmentBatch(squares(1), shape, { randomResizedCrop }, 1))).code).toBe('ENGINE_BAD_ARGUMENT');
    }
  });
});
