import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CnnError } from '../../src/errors.js';
import { createEngineDataset, createEngineModel, type EngineDataset, type EngineModel } from '../../src/engine/index.js';
import { loadFashion } from '../helpers/fashion.js';
import { bnResidualConcat, dense, mnistCnn } from './graphs.js';
import { asF32, readSt, toBF16, toF64, writeSt } from './safetensors.js';

let dir: string;
let train: EngineDataset;
let small: EngineDataset;
const SMALL_INPUT = 12;

async function rejection(p: Promise<unknown>): Promise<CnnError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CnnError);
    return e as CnnError;
  }
  throw new Error('expected a rejection');
}

/** A batch of Fashion images cropped to 12x12 for the small BN graph. */
function crops(n: number): { images: Uint8Array; labels: Int32Array } {
  const f = loadFashion('train', n);
  const images = new Uint8Array(n * SMALL_INPUT * SMALL_INPUT);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < SMALL_INPUT; y++)
      for (let x = 0; x < SMALL_INPUT; x++) images[(i * SMALL_INPUT + y) * SMALL_INPUT + x] = f.images[i * 784 + (y + 8) * 28 + x + 8]!;
  return { images, labels: f.labels };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cnn-weights-'));
  const f = loadFashion('train', 2000);
  train = await createEngineDataset(f.images, f.labels, f, 10);
  const c = crops(512);
  small = await createEngineDataset(c.images, c.labels, { n: 512, h: SMALL_INPUT, w: SMALL_INPUT, c: 1 }, 10);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function trainedMnist(): Promise<EngineModel> {
  const model = await createEngineModel(mnistCnn(), { seed: 21 });
  model.configureOptimizer({ type: 'adam', learningRate: 1e-3 });
  await model.trainEpoch(train, { batchSize: 64, maxSteps: 15 });
  return model;
}

const probe = new Float32Array(3 * 28 * 28).map((_, i) => Math.sin(i) * 0.5 + 0.5);

describe('weights as safetensors', () => {
  it('round-trips: a new model with the loaded weights gives identical logits and accuracy', async () => {
    const a = await trainedMnist();
    const path = join(dir, 'mnist.safetensors');
    await a.saveWeights(path, { classes: '["a","b"]', format: 'pt' });
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);

    const b = await createEngineModel(mnistCnn(), { seed: 99 });
    expect(Array.from(await b.forward(probe, 3))).not.toEqual(Array.from(await a.forward(probe, 3)));
    const report = await b.loadWeights(path);
    expect(report).toEqual({ missing: [], unexpected: [], mismatched: [], metadata: { classes: '["a","b"]', format: 'pt' } });
    expect(Array.from(await b.forward(probe, 3))).toEqual(Array.from(await a.forward(probe, 3)));
    const ea = await a.evaluate(train, { batchSize: 256 });
    const eb = await b.evaluate(train, { batchSize: 256 });
    expect(eb.accuracy).toBe(ea.accuracy);
    expect(Array.from(eb.confusion)).toEqual(Array.from(ea.confusion));

    // The file is plain safetensors: names, shapes and dtypes as torchvision's state_dict.
    const st = readSt(path);
    expect(st.order).toEqual(['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    expect(st.tensors.get('fc1.weight')).toMatchObject({ dtype: 'F32', shape: [128, 3136] });
    a.dispose();
    b.dispose();
  });

  it('stores batch-norm running statistics and restores them', async () => {
    const a = await createEngineModel(bnResidualConcat(), { seed: 5 });
    a.configureOptimizer({ type: 'sgd', learningRate: 0.05, momentum: 0.9 });
    await a.trainEpoch(small, { batchSize: 32, maxSteps: 4 });
    const path = join(dir, 'bn.safetensors');
    await a.saveWeights(path);
    const st = readSt(path);
    expect(st.order).toEqual([
      'stem.weight',
      'bn1.weight',
      'bn1.bias',
      'bn1.running_mean',
      'bn1.running_var',
      'bn1.num_batches_tracked',
      'a.weight',
      'bnA.weight',
      'bnA.bias',
      'bnA.running_mean',
      'bnA.running_var',
      'bnA.num_batches_tracked',
      'b1.weight',
      'b1.bias',
      'b3.weight',
      'b3.bias',
      'head.weight',
      'head.bias',
    ]);
    expect(st.tensors.get('bn1.num_batches_tracked')).toMatchObject({ dtype: 'I64', shape: [] });
    expect(new BigInt64Array(st.tensors.get('bn1.num_batches_tracked')!.data.slice().buffer)[0]).toBe(4n);
    const runningMean = asF32(st.tensors.get('bn1.running_mean')!);
    expect(runningMean.some((v) => v !== 0)).toBe(true);

    const b = await createEngineModel(bnResidualConcat(), { seed: 6 });
    await b.loadWeights(path);
    const x = new Float32Array(4 * SMALL_INPUT * SMALL_INPUT).map((_, i) => (i % 13) / 13);
    // Inference mode uses the running statistics, so equal outputs mean they were loaded.
    expect(Array.from(await b.forward(x, 4))).toEqual(Array.from(await a.forward(x, 4)));
    a.dispose();
    b.dispose();
  });

  it('converts F64 and BF16 files to float32 on load', async () => {
    const a = await trainedMnist();
    const path = join(dir, 'src.safetensors');
    await a.saveWeights(path);
    const st = readSt(path);
    const wide = new Map([...st.tensors].map(([k, t]) => [k, toF64(t)]));
    writeSt(join(dir, 'f64.safetensors'), wide);
    const half = new Map([...st.tensors].map(([k, t]) => [k, toBF16(t)]));
    writeSt(join(dir, 'bf16.safetensors'), half);

    const want = await a.forward(probe, 3);
    const b = await createEngineModel(mnistCnn(), { seed: 1 });
    await b.loadWeights(join(dir, 'f64.safetensors'));
    expect(Array.from(await b.forward(probe, 3))).toEqual(Array.from(want));
    await b.loadWeights(join(dir, 'bf16.safetensors'));
    const got = await b.forward(probe, 3);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(0.05 + 0.02 * Math.abs(want[i]!));
    a.dispose();
    b.dispose();
  });

  it('rejects a file with a missing or mis-shaped tensor, naming it, and changes nothing', async () => {
    const a = await trainedMnist();
    const path = join(dir, 'full.safetensors');
    await a.saveWeights(path);
    const st = readSt(path);

    const missing = new Map(st.tensors);
    missing.delete('conv2.bias');
    writeSt(join(dir, 'missing.safetensors'), missing);
    const b = await createEngineModel(mnistCnn(), { seed: 4 });
    const before = await b.forward(probe, 3);
    let err = await rejection(b.loadWeights(join(dir, 'missing.safetensors')));
    expect(err.code).toBe('ENGINE_WEIGHTS_MISMATCH');
    expect(err.message).toContain('conv2.bias');
    expect(err.details).toEqual({ missing: ['conv2.bias'], unexpected: [], mismatched: [] });
    expect(Array.from(await b.forward(probe, 3))).toEqual(Array.from(before));

    const reshaped = new Map(st.tensors);
    const w = reshaped.get('fc2.weight')!;
    reshaped.set('fc2.weight', { ...w, shape: [20, 64] });
    reshaped.set('extra.weight', { dtype: 'F32', shape: [1], data: new Uint8Array(4) });
    writeSt(join(dir, 'reshaped.safetensors'), reshaped);
    err = await rejection(b.loadWeights(join(dir, 'reshaped.safetensors')));
    expect(err.code).toBe('ENGINE_WEIGHTS_MISMATCH');
    expect(err.message).toContain('fc2.weight');
    expect(err.message).toContain('[20, 64]');
    expect(err.details).toEqual({ missing: [], unexpected: ['extra.weight'], mismatched: ['fc2.weight'] });
    expect(Array.from(await b.forward(probe, 3))).toEqual(Array.from(before));

    // Not strict: everything that fits loads, the rest is reported (a replaced head, say).
    const report = await b.loadWeights(join(dir, 'reshaped.safetensors'), { strict: false });
    expect(report).toMatchObject({ missing: [], unexpected: ['extra.weight'], mismatched: ['fc2.weight'] });
    const tuned = readSt(join(dir, 'full.safetensors'));
    await b.saveWeights(join(dir, 'after.safetensors'));
    const after = readSt(join(dir, 'after.safetensors'));
    expect(Array.from(asF32(after.tensors.get('fc1.weight')!))).toEqual(Array.from(asF32(tuned.tensors.get('fc1.weight')!)));
    expect(Array.from(asF32(after.tensors.get('fc2.weight')!))).not.toEqual(Array.from(asF32(tuned.tensors.get('fc2.weight')!)));
    a.dispose();
    b.dispose();
  });

  it('rejects files that are not safetensors with ENGINE_IO_ERROR', async () => {
    const model = await createEngineModel(mnistCnn());
    expect((await rejection(model.loadWeights(join(dir, 'nope.safetensors')))).code).toBe('ENGINE_IO_ERROR');
    writeFileSync(join(dir, 'junk.safetensors'), Buffer.from('this is not a weights file at all'));
    expect((await rejection(model.loadWeights(join(dir, 'junk.safetensors')))).code).toBe('ENGINE_IO_ERROR');
    const lying = Buffer.alloc(8 + 64);
    lying.writeBigUInt64LE(64n);
    lying.write(JSON.stringify({ 'fc2.bias': { dtype: 'F32', shape: [10], data_offsets: [0, 4000] } }).padEnd(64), 8);
    writeFileSync(join(dir, 'lying.safetensors'), lying);
    expect((await rejection(model.loadWeights(join(dir, 'lying.safetensors')))).code).toBe('ENGINE_IO_ERROR');
    const err = await rejection(model.saveWeights(join(dir, 'no-such-dir', 'w.safetensors')));
    expect(err.code).toBe('ENGINE_IO_ERROR');
    model.dispose();
  });
});

describe('optimizer state', () => {
  it('resumes exactly: weights + optimizer state saved, loaded into a new model, train on identically', async () => {
    const a = await createEngineModel(mnistCnn(), { seed: 8 });
    a.configureOptimizer({ type: 'adam', learningRate: 2e-3 });
    await a.trainEpoch(train, { batchSize: 64, maxSteps: 5, seed: 1 });
    await a.saveWeights(join(dir, 'ckpt.safetensors'));
    await a.saveOptimizer(join(dir, 'ckpt.pt'));

    const b = await createEngineModel(mnistCnn(), { seed: 9 });
    b.configureOptimizer({ type: 'adam', learningRate: 1 });
    await b.loadWeights(join(dir, 'ckpt.safetensors'));
    await b.loadOptimizer(join(dir, 'ckpt.pt'));
    expect(b.learningRate).toBe(2e-3);

    await a.trainEpoch(train, { batchSize: 64, maxSteps: 5, seed: 2 });
    await b.trainEpoch(train, { batchSize: 64, maxSteps: 5, seed: 2 });
    const la = await a.forward(probe, 3);
    const lb = await b.forward(probe, 3);
    for (let i = 0; i < la.length; i++) expect(lb[i]).toBeCloseTo(la[i]!, 4);

    const sgd = await createEngineModel(mnistCnn());
    sgd.configureOptimizer({ type: 'sgd', learningRate: 0.1 });
    expect((await rejection(sgd.loadOptimizer(join(dir, 'ckpt.pt')))).code).toBe('ENGINE_BAD_ARGUMENT');
    a.dispose();
    b.dispose();
    sgd.dispose();
  });

  it('leaves frozen layers alone: no gradient, batch norm statistics unchanged', async () => {
    const model = await createEngineModel(bnResidualConcat({ frozenStem: true }), { seed: 3 });
    expect(model.paramCounts()).toEqual({ total: 1098, trainable: 1098 - 88, frozen: 88, buffers: 32 });
    expect(model.tensors().filter((t) => t.name.startsWith('stem.') || t.name.startsWith('bn1.')).every((t) => !t.trainable)).toBe(true);
    const before = join(dir, 'frozen-before.safetensors');
    await model.saveWeights(before);
    model.configureOptimizer({ type: 'sgd', learningRate: 0.1, momentum: 0.9 });
    await model.trainEpoch(small, { batchSize: 32, maxSteps: 4 });
    const afterPath = join(dir, 'frozen-after.safetensors');
    await model.saveWeights(afterPath);
    const a = readSt(before);
    const b = readSt(afterPath);
    for (const name of ['stem.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked']) {
      expect(Buffer.from(b.tensors.get(name)!.data).equals(Buffer.from(a.tensors.get(name)!.data)), name).toBe(true);
    }
    for (const name of ['a.weight', 'bnA.running_mean', 'head.weight']) {
      expect(Buffer.from(b.tensors.get(name)!.data).equals(Buffer.from(a.tensors.get(name)!.data)), name).toBe(false);
    }
    model.dispose();
  });
});

describe('a replaced head', () => {
  it('loads a backbone into a model with another classifier when not strict', async () => {
    const a = await trainedMnist();
    await a.saveWeights(join(dir, 'backbone.safetensors'));
    const g = mnistCnn();
    g.layers[6] = dense('fc2', 5, 128, 3);
    const b = await createEngineModel(g);
    const r = await b.loadWeights(join(dir, 'backbone.safetensors'), { strict: false });
    expect(r.mismatched).toEqual(['fc2.weight', 'fc2.bias']);
    expect(b.numClasses).toBe(3);
    a.dispose();
    b.dispose();
  });
});
