import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CnnError, type ErrorCode } from '../../src/errors.js';
import { createEngineDataset, createEngineModel, engineInfo, type EngineDataset, type EngineModel } from '../../src/engine/index.js';
import type { NormalizedGraph } from '../../src/engine/graph.js';
import { loadFashion } from '../helpers/fashion.js';
import { mnistCnn } from './graphs.js';

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<ErrorCode> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(CnnError);
    return (e as CnnError).code;
  }
  throw new Error('expected an error');
}

const fashion = loadFashion('train', 1000);
let data: EngineDataset;
let model: EngineModel;

beforeAll(async () => {
  data = await createEngineDataset(fashion.images, fashion.labels, fashion, 10);
  model = await createEngineModel(mnistCnn(), { seed: 1 });
  model.configureOptimizer({ type: 'sgd', learningRate: 0.01 });
});

afterAll(() => model.dispose());

describe('bad inputs are errors with codes, never crashes', () => {
  it('checks dataset buffers natively', async () => {
    const { images, labels } = fashion;
    expect(await codeOf(createEngineDataset(images.subarray(1), labels, fashion, 10))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(createEngineDataset(images, labels, { ...fashion, n: 999 }, 10))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(createEngineDataset(images, labels.subarray(1), fashion, 10))).toBe('ENGINE_BAD_ARGUMENT');
    const bad = Int32Array.from(labels);
    bad[500] = 10;
    expect(await codeOf(createEngineDataset(images, bad, fashion, 10))).toBe('ENGINE_BAD_ARGUMENT');
    bad[500] = -1;
    expect(await codeOf(createEngineDataset(images, bad, fashion, 10))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(createEngineDataset(images, labels, { ...fashion, h: 0 }, 10))).toBe('ENGINE_BAD_ARGUMENT');
    // Wrong typed arrays from untyped callers.
    expect(await codeOf(createEngineDataset(new Float32Array(10) as unknown as Uint8Array, labels, fashion, 10))).toBe('ENGINE_BAD_ARGUMENT');
  });

  it('checks predict and forward inputs', async () => {
    expect(await codeOf(model.predict(fashion.images, { n: 1001, h: 28, w: 28, c: 1 }))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(model.predict(fashion.images.subarray(0, 4 * 32 * 32), { n: 4, h: 32, w: 32, c: 1 }))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(model.forward(new Float32Array(100), 1))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(model.predict(fashion.images.subarray(0, 784), { n: 1, h: 28, w: 28, c: 1, mean: [0.5, 0.5] }))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(model.predict(fashion.images.subarray(0, 784), { n: 1, h: 28, w: 28, c: 1, std: [0] }))).toBe('ENGINE_BAD_ARGUMENT');
  });

  it('checks a dataset against the model', async () => {
    const other = await createEngineDataset(fashion.images.subarray(0, 100 * 784), fashion.labels.subarray(0, 100), { n: 100, h: 784, w: 1, c: 1 }, 10);
    expect(await codeOf(model.trainEpoch(other))).toBe('ENGINE_BAD_ARGUMENT');
    const many = await createEngineDataset(fashion.images, fashion.labels, fashion, 20);
    expect(await codeOf(model.evaluate(many))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(model.trainEpoch(data, { indices: Int32Array.from([1, 2, 1000]) }))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(model.trainEpoch(data, { batchSize: 0 }))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(model.trainEpoch(data, { labelSmoothing: 1.5 }))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(model.trainEpoch(data, { augment: { fillMode: 'wrap' as 'nearest' } }))).toBe('ENGINE_BAD_ARGUMENT');
    const fresh = await createEngineModel(mnistCnn());
    expect(await codeOf(fresh.trainEpoch(data))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(() => fresh.configureOptimizer({ type: 'lbfgs' as 'sgd', learningRate: 1 }))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(() => fresh.configureOptimizer({ type: 'sgd', learningRate: -1 }))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(() => fresh.setLearningRate(0.1))).toBe('ENGINE_BAD_ARGUMENT');
    fresh.dispose();
  });

  it('checks graphs: malformed contracts are bad arguments, inconsistent shapes are shape errors', async () => {
    const g = mnistCnn();
    const bad = (edit: (g: NormalizedGraph) => void) => {
      const copy = structuredClone(g);
      edit(copy);
      return createEngineModel(copy);
    };
    expect(await codeOf(bad((x) => ((x.layers[0] as { type: string }).type = 'conv3d')))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(bad((x) => (x.layers[2]!.inputs = [5])))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(bad((x) => delete (x.layers[0] as { kernel?: unknown }).kernel))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(bad((x) => (x.layers[1]!.name = 'conv1')))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(bad((x) => (x.output = 7)))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(bad((x) => ((x.layers[0] as { activation: string }).activation = 'swish')))).toBe('ENGINE_BAD_ARGUMENT');
    // A wrong declared shape and a dense layer with the wrong fan-in are caught when the model is built.
    expect(await codeOf(bad((x) => (x.layers[1]!.outShape = [32, 13, 13])))).toBe('ENGINE_SHAPE_ERROR');
    expect(await codeOf(bad((x) => ((x.layers[5] as { inFeatures: number }).inFeatures = 3000)))).toBe('ENGINE_SHAPE_ERROR');
  });

  it('refuses CUDA on a host without it', async () => {
    if (engineInfo().cudaAvailable) return;
    expect(await codeOf(createEngineModel(mnistCnn(), { device: 'cuda' }))).toBe('ENGINE_DEVICE_UNAVAILABLE');
    expect(await codeOf(createEngineDataset(fashion.images, fashion.labels, fashion, 10, { device: 'cuda' }))).toBe('ENGINE_DEVICE_UNAVAILABLE');
    const auto = await createEngineModel(mnistCnn(), { device: 'auto' });
    expect(auto.device).toBe('cpu');
    auto.dispose();
    expect(await codeOf(createEngineModel(mnistCnn(), { device: 'tpu' as 'cpu' }))).toBe('ENGINE_BAD_ARGUMENT');
  });

  it('runs one call per model: a second concurrent call is refused as busy', async () => {
    const running = model.trainEpoch(data, { batchSize: 32, maxSteps: 10 });
    expect(await codeOf(model.evaluate(data))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(model.saveWeights('/tmp/never.safetensors'))).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(() => model.setLearningRate(0.5))).toBe('ENGINE_BAD_ARGUMENT');
    try {
      await model.evaluate(data);
    } catch (e) {
      expect((e as Error).message).toContain('busy');
    }
    const r = await running;
    expect(r.steps).toBe(10);
    // Free again once the call settled.
    expect((await model.evaluate(data)).count).toBe(1000);
  });

  it('cancels a running epoch after its current step; the model stays usable', async () => {
    const running = model.trainEpoch(data, { batchSize: 16 });
    setTimeout(() => expect(model.cancel()).toBe(true), 50);
    expect(await codeOf(running)).toBe('ENGINE_CANCELLED');
    expect(model.cancel()).toBe(false);
    const ev = await model.evaluate(data);
    expect(Number.isFinite(ev.loss)).toBe(true);
    // A cancel aimed at a finished call does not leak into the next one.
    expect((await model.trainEpoch(data, { batchSize: 100, maxSteps: 2 })).steps).toBe(2);
  });

  it('fails cleanly after dispose', async () => {
    const m = await createEngineModel(mnistCnn());
    m.dispose();
    expect(await codeOf(() => m.paramCounts())).toBe('ENGINE_BAD_ARGUMENT');
    expect(await codeOf(m.evaluate(data))).toBe('ENGINE_BAD_ARGUMENT');
    const d = await createEngineDataset(fashion.images, fashion.labels, fashion, 10);
    d.dispose();
    expect(await codeOf(model.evaluate(d))).toBe('ENGINE_BAD_ARGUMENT');
  });
});
