import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngineDataset, createEngineModel } from '../../src/engine/index.js';
import type { EngineActivation, NormalizedGraph, NormalizedLayer, Padding, Pair } from '../../src/engine/graph.js';
import { BN_RESIDUAL_CONCAT_COUNTS, bnResidualConcat, conv, dense, flatten } from './graphs.js';
import { f32, readSt, writeSt, type StTensor } from './safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'cnn-graph-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type LayerFields = NormalizedLayer extends infer L ? (L extends NormalizedLayer ? Omit<L, 'name' | 'inputs' | 'trainable'> : never) : never;

/** A one-layer graph on a [C, H, W] input. */
function single(input: [number, number, number], layer: LayerFields): NormalizedGraph {
  return { input: { shape: input }, layers: [{ name: 'l', inputs: [-1], trainable: true, ...layer } as NormalizedLayer], output: 0, outputSoftmax: false };
}

async function run(graph: NormalizedGraph, input: number[], weights?: Record<string, StTensor>): Promise<number[]> {
  const model = await createEngineModel(graph);
  if (weights) {
    const path = join(dir, `w-${Math.random().toString(36).slice(2)}.safetensors`);
    writeSt(path, new Map(Object.entries(weights)));
    await model.loadWeights(path);
  }
  const [c, h, w] = graph.input.shape;
  const out = await model.forward(Float32Array.from(input), input.length / (c * h * w));
  model.dispose();
  return Array.from(out);
}

const nine = [1, 2, 3, 4, 5, 6, 7, 8, 9];

describe('parameter counts and names', () => {
  it('counts a batch-norm + residual + concat graph as computed by hand', async () => {
    const model = await createEngineModel(bnResidualConcat());
    expect(model.paramCounts()).toEqual({ total: BN_RESIDUAL_CONCAT_COUNTS.total, trainable: BN_RESIDUAL_CONCAT_COUNTS.total, frozen: 0, buffers: BN_RESIDUAL_CONCAT_COUNTS.buffers });
    const buffers = model.tensors().filter((t) => t.kind === 'buffer');
    expect(buffers.map((t) => t.name)).toEqual([
      'bn1.running_mean',
      'bn1.running_var',
      'bn1.num_batches_tracked',
      'bnA.running_mean',
      'bnA.running_var',
      'bnA.num_batches_tracked',
    ]);
    expect(buffers.find((t) => t.name === 'bn1.num_batches_tracked')!.shape).toEqual([]);
    model.dispose();
  });

  it('keeps dotted torchvision-style names in tensors and files', async () => {
    const graph: NormalizedGraph = {
      input: { shape: [3, 8, 8] },
      layers: [
        conv('layer1.0.conv1', -1, 3, 4, 3, [4, 8, 8], { useBias: false }),
        { ...bnResidualConcat().layers[1]!, name: 'layer1.0.bn1', inputs: [0], outShape: [4, 8, 8], features: 4 } as NormalizedLayer,
        { name: 'avgpool', type: 'adaptiveAvgPool2d', inputs: [1], outShape: [4, 1, 1], trainable: true, outputSize: [1, 1] },
        flatten('flatten', 2, [4]),
        dense('fc', 3, 4, 5),
      ],
      output: 4,
      outputSoftmax: true,
    };
    const model = await createEngineModel(graph);
    const path = join(dir, 'dotted.safetensors');
    await model.saveWeights(path);
    expect(readSt(path).order).toEqual([
      'layer1.0.conv1.weight',
      'layer1.0.bn1.weight',
      'layer1.0.bn1.bias',
      'layer1.0.bn1.running_mean',
      'layer1.0.bn1.running_var',
      'layer1.0.bn1.num_batches_tracked',
      'fc.weight',
      'fc.bias',
    ]);
    model.dispose();
  });

  it('initializes like PyTorch: uniform within 1/sqrt(fan_in), batch norm at identity', async () => {
    const model = await createEngineModel(bnResidualConcat(), { seed: 4 });
    const path = join(dir, 'init.safetensors');
    await model.saveWeights(path);
    const st = readSt(path);
    const values = (name: string) => Array.from(new Float32Array(st.tensors.get(name)!.data.slice().buffer));
    const a = values('a.weight'); // fan_in 8 * 3 * 3 = 72
    expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(72));
    expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(0.8 / Math.sqrt(72));
    expect(values('bn1.weight')).toEqual(new Array(8).fill(1));
    expect(values('bn1.bias')).toEqual(new Array(8).fill(0));
    expect(values('bn1.running_var')).toEqual(new Array(8).fill(1));
    model.dispose();
  });
});

describe('layers compute what GRAPH.md says', () => {
  it('pads asymmetrically with zeros for conv', async () => {
    const graph = single([1, 2, 2], { ...conv('l', -1, 1, 1, 2, [1, 2, 2], { useBias: false, padding: [0, 1, 0, 1] }) });
    expect(await run(graph, [1, 2, 3, 4], { 'l.weight': f32([1, 1, 1, 1], [1, 1, 2, 2]) })).toEqual([10, 6, 7, 4]);
  });

  it('pads max pooling with -inf, so padding never wins', async () => {
    const graph = single([1, 3, 3], { type: 'maxPool2d', outShape: [1, 2, 2], pool: [2, 2], stride: [2, 2], padding: [0, 1, 0, 1], ceilMode: false });
    expect(await run(graph, nine.map((v) => -v))).toEqual([-1, -3, -7, -9]);
  });

  it('averages with or without the padding', async () => {
    const base = { type: 'avgPool2d' as const, outShape: [1, 2, 2], pool: [2, 2] as Pair, stride: [2, 2] as Pair, padding: [0, 1, 0, 1] as Padding, ceilMode: false };
    expect(await run(single([1, 3, 3], { ...base, countIncludePad: false }), nine)).toEqual([3, 4.5, 7.5, 9]);
    expect(await run(single([1, 3, 3], { ...base, countIncludePad: true }), nine)).toEqual([3, 2.25, 3.75, 2.25]);
    const symmetric = { ...base, pool: [3, 3] as Pair, padding: [1, 1, 1, 1] as Padding };
    expect(await run(single([1, 3, 3], { ...symmetric, countIncludePad: false }), nine)).toEqual([3, 4, 6, 7]);
  });

  it('zero-pads, pools globally and adaptively', async () => {
    expect(await run(single([1, 2, 2], { type: 'zeroPadding2d', outShape: [1, 3, 4], padding: [1, 0, 2, 0] }), [1, 2, 3, 4])).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4]);
    expect(await run(single([1, 3, 3], { type: 'globalAvgPool2d', outShape: [1] }), nine)).toEqual([5]);
    expect(await run(single([1, 3, 3], { type: 'globalMaxPool2d', outShape: [1] }), nine)).toEqual([9]);
    expect(await run(single([1, 2, 4], { type: 'adaptiveAvgPool2d', outShape: [1, 1, 2], outputSize: [1, 2] }), [1, 2, 3, 4, 5, 6, 7, 8])).toEqual([3.5, 5.5]);
    expect(await run(single([2, 1, 2], { type: 'flatten', outShape: [4] }), [1, 2, 3, 4])).toEqual([1, 2, 3, 4]);
  });

  it('applies every activation with PyTorch semantics (alpha for leakyRelu and elu)', async () => {
    const x = [-3, -1, -0.25, 0, 0.5, 2, 4, 7];
    const erf = (v: number) => {
      // Abramowitz-Stegun 7.1.26, |error| < 1.5e-7
      const t = 1 / (1 + 0.3275911 * Math.abs(v));
      const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-v * v);
      return Math.sign(v) * y;
    };
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const expSum = x.reduce((a, v) => a + Math.exp(v), 0);
    const want: Record<EngineActivation, (v: number) => number> = {
      linear: (v) => v,
      relu: (v) => Math.max(0, v),
      relu6: (v) => Math.min(6, Math.max(0, v)),
      sigmoid: sig,
      tanh: Math.tanh,
      softmax: (v) => Math.exp(v) / expSum,
      silu: (v) => v * sig(v),
      gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
      leakyRelu: (v) => (v > 0 ? v : 0.3 * v),
      elu: (v) => (v > 0 ? v : 0.7 * (Math.exp(v) - 1)),
      hardSwish: (v) => (v * Math.min(6, Math.max(0, v + 3))) / 6,
      hardSigmoid: (v) => Math.min(6, Math.max(0, v + 3)) / 6,
    };
    const names = Object.keys(want) as EngineActivation[];
    const graph: NormalizedGraph = {
      input: { shape: [1, 1, 8] },
      layers: [
        flatten('flat', -1, [8]),
        ...names.map((a): NormalizedLayer => ({ name: a, type: 'activation', inputs: [0], outShape: [8], trainable: true, activation: a, alpha: a === 'elu' ? 0.7 : 0.3 })),
        { name: 'all', type: 'concat', inputs: names.map((_, i) => i + 1), outShape: [8 * names.length], trainable: true },
      ],
      output: names.length + 1,
      outputSoftmax: false,
    };
    const out = await run(graph, x);
    names.forEach((a, i) => {
      x.forEach((v, j) => expect(out[i * 8 + j], `${a}(${v})`).toBeCloseTo(want[a](v), 5));
    });
  });

  it('adds, multiplies with a [C,1,1] broadcast (squeeze-excite) and concatenates channels', async () => {
    const graph: NormalizedGraph = {
      input: { shape: [2, 1, 2] },
      layers: [
        { name: 'squeeze', type: 'adaptiveAvgPool2d', inputs: [-1], outShape: [2, 1, 1], trainable: true, outputSize: [1, 1] },
        conv('excite', 0, 2, 2, 1, [2, 1, 1], { activation: 'linear' }),
        { name: 'scale', type: 'multiply', inputs: [-1, 1], outShape: [2, 1, 2], trainable: true },
        { name: 'sum', type: 'add', inputs: [-1, 2, 2], outShape: [2, 1, 2], trainable: true },
        { name: 'cat', type: 'concat', inputs: [3, -1], outShape: [4, 1, 2], trainable: true },
      ],
      output: 4,
      outputSoftmax: false,
    };
    // excite: identity weights, bias [1, 0] -> channel means [1.5, 3.5] become scales [2.5, 3.5].
    const out = await run(graph, [1, 2, 3, 4], { 'excite.weight': f32([1, 0, 0, 1], [2, 2, 1, 1]), 'excite.bias': f32([1, 0], [2]) });
    const scaled = [2.5, 5, 10.5, 14];
    expect(out).toEqual([...[1, 2, 3, 4].map((v, i) => v + 2 * scaled[i]!), 1, 2, 3, 4]);
  });

  it('runs dropout and dropPath only in training, and backpropagates through every layer type', async () => {
    const graph: NormalizedGraph = {
      input: { shape: [1, 7, 7] },
      layers: [
        { name: 'pad', type: 'zeroPadding2d', inputs: [-1], outShape: [1, 8, 8], trainable: true, padding: [0, 1, 0, 1] },
        conv('c1', 0, 1, 4, 3, [4, 4, 4], { stride: [2, 2], padding: [0, 1, 0, 1], activation: 'silu' }),
        { ...bnResidualConcat().layers[1]!, name: 'bn', inputs: [1], outShape: [4, 4, 4], features: 4, activation: 'hardSwish' } as NormalizedLayer,
        { name: 'dp', type: 'dropPath', inputs: [2], outShape: [4, 4, 4], trainable: true, rate: 0.5 },
        { name: 'res', type: 'add', inputs: [1, 3], outShape: [4, 4, 4], trainable: true },
        conv('dw', 4, 4, 4, 3, [4, 4, 4], { groups: 4, activation: 'relu6' }),
        conv('dil', 5, 4, 2, 3, [2, 4, 4], { dilation: [2, 2], padding: [2, 2, 2, 2], activation: 'gelu' }),
        { name: 'mp', type: 'maxPool2d', inputs: [6], outShape: [2, 2, 2], trainable: true, pool: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1], ceilMode: false },
        { name: 'ap', type: 'avgPool2d', inputs: [6], outShape: [2, 2, 2], trainable: true, pool: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], ceilMode: true, countIncludePad: false },
        { name: 'mul', type: 'multiply', inputs: [7, 8], outShape: [2, 2, 2], trainable: true },
        { name: 'gmp', type: 'globalMaxPool2d', inputs: [9], outShape: [2], trainable: true },
        { name: 'drop', type: 'dropout', inputs: [10], outShape: [2], trainable: true, rate: 0.5 },
        { ...dense('fc', 11, 2, 3, 'elu'), alpha: 1 } as NormalizedLayer,
        { name: 'act', type: 'activation', inputs: [12], outShape: [3], trainable: true, activation: 'leakyRelu', alpha: 0.2 },
      ],
      output: 13,
      outputSoftmax: true,
    };
    const model = await createEngineModel(graph, { seed: 2 });
    const x = new Float32Array(2 * 49).map((_, i) => Math.cos(i));
    // Inference is deterministic: dropout and dropPath are identities.
    expect(Array.from(await model.forward(x, 2))).toEqual(Array.from(await model.forward(x, 2)));
    const n = 16;
    const data = await createEngineDataset(new Uint8Array(n * 49).map((_, i) => (i * 37) % 256), Int32Array.from({ length: n }, (_, i) => i % 3), { n, h: 7, w: 7, c: 1 }, 3);
    model.configureOptimizer({ type: 'rmsprop', learningRate: 0.01 });
    const before = await model.forward(x, 2);
    const r = await model.trainEpoch(data, { batchSize: 8, labelSmoothing: 0.1 });
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(Array.from(await model.forward(x, 2))).not.toEqual(Array.from(before));
    for (const type of ['adamw', 'sgd'] as const) {
      model.configureOptimizer({ type, learningRate: 0.01, momentum: 0.9, nesterov: type === 'sgd' });
      expect(Number.isFinite((await model.trainEpoch(data, { batchSize: 8 })).loss)).toBe(true);
    }
    model.dispose();
  });
});
