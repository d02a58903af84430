// Every libtorch call of a CPU process runs on one compute thread (native/src/compute.h):
// calls made at once from many promises build one OpenMP team, a prediction is answered
// while another model trains an epoch, and two models training at once both finish right.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineDataset, createEngineModel, setEngineThreads, type EngineDataset, type EngineModel } from '../../src/engine/index.js';
import { loadFashion } from '../helpers/fashion.js';
import { mnistCnn } from './graphs.js';

const fashion = loadFashion('train', 2000);
const threadCount = () => readdirSync('/proc/self/task').length;
let data: EngineDataset;
const models: EngineModel[] = [];


async function model(seed: number): Promise<EngineModel> {
  const m = await createEngineModel(mnistCnn(), { seed });
  m.configureOptimizer({ type: 'adam', learningRate: 1e-3 });
  models.push(m);
  return m;
}

beforeAll(async () => {
  setEngineThreads(2);
  data = await createEngineDataset(fashion.images, fashion.labels, fashion, 10);
});

afterAll(() => {
  for (const m of models) m.dispose();
  data?.dispose();
});

describe('the compute thread', () => {
  it('runs calls made at once from many promises without starting a thread more than one call did', async () => {
    // One call first: it starts the compute thread, its OpenMP team and libtorch's and OpenBLAS's pools.
    const first = await model(1);
    await first.trainEpoch(data, { batchSize: 64, maxSteps: 2, seed: 1 });
    const before = threadCount();
    const ms = [first, ...(await Promise.all([2, 3, 4].map(model)))];
    const image = fashion.images.subarray(0, 784 * 8);
    const results = await Promise.all([
      ms[0]!.trainEpoch(data, { batchSize: 64, maxSteps: 3, seed: 2 }),
      ms[1]!.evaluate(data, { batchSize: 256 }),
      ms[2]!.predict(image, { n: 8, h: 28, w: 28, c: 1 }),
      ms[3]!.trainEpoch(data, { batchSize: 64, maxSteps: 3, seed: 3 }),
    ]);
    // On libuv's pool, each pool thread that ran a call would have started an OpenMP team of its own.
    expect(threadCount()).toBe(before);
    expect((results[0] as { steps: number }).steps).toBe(3);
    expect((results[1] as { count: number }).count).toBe(2000);
    expect((results[2] as Float32Array).length).toBe(80);
    expect((results[3] as { steps: number }).steps).toBe(3);
  });

  it('answers a prediction while another model trains an epoch', async () => {
    const [trainer, server] = await Promise.all([model(5), model(6)]);
    const order: string[] = [];
    let progressSteps = 0;
    const training = trainer
      .trainEpoch(data, { batchSize: 32, progressIntervalMs: 0 }, () => progressSteps++)
      .then((r) => (order.push('train'), r));
    // Wait until the epoch is under way, then ask the other model.
    while (progressSteps < 2) await new Promise((r) => setTimeout(r, 5));
    const probs = await server.predict(fashion.images.subarray(0, 784 * 4), { n: 4, h: 28, w: 28, c: 1 });
    order.push('predict');
    const r = await training;
    expect(order).toEqual(['predict', 'train']);
    expect(r.steps).toBe(Math.ceil(2000 / 32));
    expect(probs.length).toBe(40);
    for (let i = 0; i < 4; i++) expect(probs.subarray(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('trains two models at once to the results each gives alone', async () => {
    const opts = { batchSize: 64, maxSteps: 8, seed: 11 };
    const [a, b] = await Promise.all([model(7), model(8)]);
    const [ra, rb] = await Promise.all([a.trainEpoch(data, opts), b.trainEpoch(data, opts)]);
    const [a2, b2] = await Promise.all([model(7), model(8)]);
    const sa = await a2.trainEpoch(data, opts);
    const sb = await b2.trainEpoch(data, opts);
    expect(ra.loss).toBe(sa.loss);
    expect(rb.loss).toBe(sb.loss);
  });
});
