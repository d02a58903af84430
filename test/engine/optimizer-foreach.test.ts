// The multi-tensor (_foreach_*) optimizer step against libtorch's own
// per-tensor step: the same weights, bit for bit, and state that either path
// can resume from.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineModel, setEngineThreads, type EngineDataset, type EngineModel, type OptimizerOptions } from '../../src/engine/index.js';
import { loadFashion } from '../helpers/fashion.js';
import { mnistCnn } from './graphs.js';

const SAMPLES = 512;
const BATCH = 64;
const STEPS = 6;

const CASES: [string, OptimizerOptions][] = [
  ['sgd', { type: 'sgd', learningRate: 0.05 }],
  ['sgd with momentum and weight decay', { type: 'sgd', learningRate: 0.02, momentum: 0.9, weightDecay: 1e-3 }],
  ['sgd with nesterov momentum', { type: 'sgd', learningRate: 0.02, momentum: 0.9, nesterov: true }],
  ['adam', { type: 'adam', learningRate: 1e-3 }],
  ['adam with L2 weight decay', { type: 'adam', learningRate: 2e-3, weightDecay: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-7 }],
  ['adamw', { type: 'adamw', learningRate: 1e-3, weightDecay: 0.05 }],
  ['adam with a layer group at its own rate', { type: 'adam', learningRate: 1e-3, groups: [{ layers: ['fc2'], learningRate: 1e-2 }] }],
];

describe('multi-tensor optimizer step', () => {
  let dir: string;
  let data: ReturnType<typeof loadFashion>;

  beforeAll(() => {
    setEngineThreads(2);
    dir = mkdtempSync(join(tmpdir(), 'cnn-foreach-'));
    data = loadFashion('train', SAMPLES);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function trained(optimizer: OptimizerOptions, foreach: boolean, steps = STEPS): Promise<{ model: EngineModel; ds: EngineDataset; loss: number }> {
    const model = await createEngineModel(mnistCnn(), { seed: 11, precision: 'fp32' });
    const ds = await model.dataset(data.images, data.labels, data, 10);
    model.configureOptimizer({ ...optimizer, foreach });
    const r = await model.trainEpoch(ds, { batchSize: BATCH, seed: 3, maxSteps: steps });
    return { model, ds, loss: r.loss };
  }

  async function weightBytes(model: EngineModel, name: string): Promise<Buffer> {
    const path = join(dir, `${name}.safetensors`);
    await model.saveWeights(path);
    return readFileSync(path);
  }

  it.each(CASES)('%s: the same weights as the per-tensor step, bit for bit', async (name, optimizer) => {
    const multi = await trained(optimizer, true);
    const single = await trained(optimizer, false);
    expect(multi.model.multiTensorStep).toBe(true);
    expect(single.model.multiTensorStep).toBe(false);
    expect(multi.loss).toBe(single.loss);
    const a = await weightBytes(multi.model, `${name}-multi`);
    const b = await weightBytes(single.model, `${name}-single`);
    expect(a.equals(b)).toBe(true);
    for (const m of [multi, single]) {
      m.model.dispose();
      m.ds.dispose();
    }
  });

  it('resumes from state the other path saved and stays bit-identical', async () => {
    const optimizer: OptimizerOptions = { type: 'adamw', learningRate: 1e-3, weightDecay: 0.01 };
    // Reference: 2 x STEPS per-tensor steps in one model.
    const ref = await trained(optimizer, false, STEPS);
    await ref.model.trainEpoch(ref.ds, { batchSize: BATCH, seed: 4, maxSteps: STEPS });

    // STEPS per-tensor steps, saved, then STEPS multi-tensor steps in a fresh model.
    const first = await trained(optimizer, false, STEPS);
    await first.model.saveWeights(join(dir, 'resume.safetensors'));
    await first.model.saveOptimizer(join(dir, 'resume.opt'));
    const resumed = await createEngineModel(mnistCnn(), { seed: 99, precision: 'fp32' });
    await resumed.loadWeights(join(dir, 'resume.safetensors'));
    resumed.configureOptimizer({ ...optimizer, foreach: true });
    await resumed.loadOptimizer(join(dir, 'resume.opt'));
    await resumed.trainEpoch(first.ds, { batchSize: BATCH, seed: 4, maxSteps: STEPS });

    expect((await weightBytes(resumed, 'resumed')).equals(await weightBytes(ref.model, 'reference'))).toBe(true);
    for (const m of [ref.model, first.model, resumed]) m.dispose();
    ref.ds.dispose();
    first.ds.dispose();
  });

  it('falls back to the per-tensor step where no multi-tensor one exists', async () => {
    const model = await createEngineModel(mnistCnn(), { seed: 1, precision: 'fp32' });
    model.configureOptimizer({ type: 'rmsprop', learningRate: 1e-3 });
    expect(model.multiTensorStep).toBe(false);
    model.configureOptimizer({ type: 'adam', learningRate: 1e-3 });
    expect(model.multiTensorStep).toBe(true);
    model.dispose();
  });
});
