import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineDataset, createEngineModel, setEngineThreads, type EngineDataset, type TrainProgress } from '../../src/engine/index.js';
import { loadFashion } from '../helpers/fashion.js';
import { mnistCnn } from './graphs.js';

const TRAIN_SAMPLES = 10_000;
const TEST_SAMPLES = 2_000;
const THREADS = 2;

describe('the tutorial MNIST CNN on Fashion-MNIST', () => {
  let train: EngineDataset;
  let test: EngineDataset;

  beforeAll(async () => {
    setEngineThreads(THREADS);
    const tr = loadFashion('train', TRAIN_SAMPLES);
    const te = loadFashion('test', TEST_SAMPLES);
    train = await createEngineDataset(tr.images, tr.labels, tr, 10);
    test = await createEngineDataset(te.images, te.labels, te, 10);
  });

  afterAll(() => {
    train?.dispose();
    test?.dispose();
  });

  it('has the tutorial table: 320 / 18,496 / 401,536 / 1,290 = 421,642 parameters', async () => {
    const model = await createEngineModel(mnistCnn(), { seed: 1 });
    expect(model.paramCounts()).toEqual({ total: 421_642, trainable: 421_642, frozen: 0, buffers: 0 });
    const perLayer = new Map<string, number>();
    for (const t of model.tensors()) {
      const layer = t.name.slice(0, t.name.lastIndexOf('.'));
      perLayer.set(layer, (perLayer.get(layer) ?? 0) + t.shape.reduce((a, b) => a * b, 1));
    }
    expect(Object.fromEntries(perLayer)).toEqual({ conv1: 320, conv2: 18_496, fc1: 401_536, fc2: 1_290 });
    expect(model.tensors().map((t) => `${t.name}:${t.shape.join('x')}`)).toEqual([
      'conv1.weight:32x1x3x3',
      'conv1.bias:32',
      'conv2.weight:64x32x3x3',
      'conv2.bias:64',
      'fc1.weight:128x3136',
      'fc1.bias:128',
      'fc2.weight:10x128',
      'fc2.bias:10',
    ]);
    model.dispose();
  });

  it('reaches 80% test accuracy after 2 epochs of Adam on 10,000 images', async () => {
    const model = await createEngineModel(mnistCnn(), { seed: 7 });
    model.configureOptimizer({ type: 'adam', learningRate: 1e-3 });
    const history = [];
    for (let epoch = 1; epoch <= 2; epoch++) {
      const r = await model.trainEpoch(train, { batchSize: 64, seed: epoch });
      expect(r.images).toBe(TRAIN_SAMPLES);
      expect(r.steps).toBe(Math.ceil(TRAIN_SAMPLES / 64));
      history.push(r);
    }
    expect(history[1]!.loss).toBeLessThan(history[0]!.loss);
    console.log(`training: ${history.map((r) => `${Math.round(r.images / r.seconds)} images/s (loss ${r.loss.toFixed(3)})`).join(', ')}`);

    const ev = await model.evaluate(test, { batchSize: 500 });
    console.log(`test accuracy ${ev.accuracy.toFixed(4)}, top-5 ${ev.top5.toFixed(4)}, loss ${ev.loss.toFixed(4)}`);
    expect(ev.count).toBe(TEST_SAMPLES);
    expect(ev.accuracy).toBeGreaterThanOrEqual(0.8);
    expect(ev.top5).toBeGreaterThanOrEqual(ev.accuracy);
    expect(ev.confusion).toHaveLength(100);
    expect(ev.confusion.reduce((a, b) => a + b, 0)).toBe(TEST_SAMPLES);
    const diagonal = [...Array(10).keys()].reduce((a, i) => a + ev.confusion[i * 10 + i]!, 0);
    expect(diagonal / TEST_SAMPLES).toBeCloseTo(ev.accuracy, 10);
    // Rows are true classes: each row sums to that class's count in the test subset.
    const te = loadFashion('test', TEST_SAMPLES);
    const perClass = new Array<number>(10).fill(0);
    for (const l of te.labels) perClass[l]!++;
    for (let c = 0; c < 10; c++) expect(ev.confusion.subarray(c * 10, c * 10 + 10).reduce((a, b) => a + b, 0)).toBe(perClass[c]);

    // Predictions agree with evaluation: softmax rows summing to 1, argmax accuracy the same.
    const probs = await model.predict(te.images, { n: te.n, h: 28, w: 28, c: 1 });
    expect(probs).toHaveLength(TEST_SAMPLES * 10);
    let correct = 0;
    for (let i = 0; i < TEST_SAMPLES; i++) {
      const row = probs.subarray(i * 10, i * 10 + 10);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      if (row.indexOf(Math.max(...row)) === te.labels[i]) correct++;
    }
    expect(correct / TEST_SAMPLES).toBeCloseTo(ev.accuracy, 10);
    model.dispose();
  });

  it('keeps the event loop free while an epoch trains, and reports progress', async () => {
    const model = await createEngineModel(mnistCnn(), { seed: 3 });
    model.configureOptimizer({ type: 'sgd', learningRate: 0.01, momentum: 0.9 });
    const lags: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      lags.push(now - last - 10);
      last = now;
    }, 10);
    const progress: TrainProgress[] = [];
    try {
      await model.trainEpoch(train, { batchSize: 64, maxSteps: 60, progressIntervalMs: 200 }, (p) => progress.push(p));
    } finally {
      clearInterval(timer);
    }
    const sorted = [...lags].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const worst = sorted[sorted.length - 1]!;
    console.log(`event loop during training: ${lags.length} ticks, typical lag ${median.toFixed(1)} ms, worst ${worst.toFixed(1)} ms`);
    expect(lags.length).toBeGreaterThan(10);
    expect(worst).toBeLessThan(1000);

    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) {
      expect(p.steps).toBe(60);
      expect(p.step).toBeGreaterThan(0);
      expect(p.step).toBeLessThan(60);
      expect(p.images).toBe(p.step * 64);
      expect(p.imagesPerSec).toBeGreaterThan(0);
      expect(Number.isFinite(p.loss)).toBe(true);
    }
    model.dispose();
  });

  it('repeats itself for a seed: same initial weights, same epoch', async () => {
    const run = async () => {
      const model = await createEngineModel(mnistCnn(), { seed: 11 });
      model.configureOptimizer({ type: 'adam', learningRate: 1e-3 });
      const x = new Float32Array(2 * 28 * 28).map((_, i) => (i % 17) / 17);
      const before = await model.forward(x, 2);
      const r = await model.trainEpoch(train, { batchSize: 32, maxSteps: 10, seed: 5, indices: Int32Array.from({ length: 1000 }, (_, i) => i) });
      const after = await model.forward(x, 2);
      model.dispose();
      return { before, after, loss: r.loss };
    };
    const a = await run();
    const b = await run();
    expect(Array.from(a.before)).toEqual(Array.from(b.before));
    expect(b.loss).toBeCloseTo(a.loss, 5);
    for (let i = 0; i < a.after.length; i++) expect(b.after[i]).toBeCloseTo(a.after[i]!, 4);
  });

  it('trains and evaluates on a subset given by indices', async () => {
    const model = await createEngineModel(mnistCnn(), { seed: 2 });
    model.configureOptimizer({ type: 'sgd', learningRate: 0.01 });
    const indices = Int32Array.from([5, 9, 200, 3000, 9999]);
    const r = await model.trainEpoch(train, { batchSize: 2, indices });
    expect(r.images).toBe(5);
    expect(r.steps).toBe(3);
    const ev = await model.evaluate(train, { indices });
    expect(ev.count).toBe(5);
    expect(ev.confusion.reduce((a, b) => a + b, 0)).toBe(5);
    model.setLearningRate(0.001);
    expect(model.learningRate).toBe(0.001);
    model.dispose();
  });
});
