import { describe, expect, it } from 'vitest';
import { compileSpec, lowerToGraph, type NormalizedGraph } from '../../src/architecture/index.js';
import { randomValidSpec } from '../helpers/random-spec.js';
import { MNIST_CNN, specOf } from './fixtures.js';

const CONV_DEFAULTS = { stride: [1, 1], dilation: [1, 1], groups: 1, useBias: true, alpha: 0 };

describe('lowering the MNIST CNN (native/GRAPH.md)', () => {
  it('gives [C, H, W] shapes, indices, explicit padding and logits', () => {
    const expected: NormalizedGraph = {
      input: { shape: [1, 28, 28] },
      layers: [
        { name: 'conv2d_1', type: 'conv2d', inputs: [-1], outShape: [32, 28, 28], trainable: true, inChannels: 1, filters: 32, kernel: [3, 3], padding: [1, 1, 1, 1], activation: 'relu', ...CONV_DEFAULTS } as never,
        { name: 'maxPool2d_1', type: 'maxPool2d', inputs: [0], outShape: [32, 14, 14], trainable: true, pool: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], ceilMode: false },
        { name: 'conv2d_2', type: 'conv2d', inputs: [1], outShape: [64, 14, 14], trainable: true, inChannels: 32, filters: 64, kernel: [3, 3], padding: [1, 1, 1, 1], activation: 'relu', ...CONV_DEFAULTS } as never,
        { name: 'maxPool2d_2', type: 'maxPool2d', inputs: [2], outShape: [64, 7, 7], trainable: true, pool: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], ceilMode: false },
        { name: 'flatten_1', type: 'flatten', inputs: [3], outShape: [3136], trainable: true },
        { name: 'dense_1', type: 'dense', inputs: [4], outShape: [128], trainable: true, inFeatures: 3136, units: 128, useBias: true, activation: 'relu', alpha: 0 },
        // the final softmax is stripped: the graph yields logits
        { name: 'dense_2', type: 'dense', inputs: [5], outShape: [10], trainable: true, inFeatures: 128, units: 10, useBias: true, activation: 'linear', alpha: 0 },
      ],
      output: 6,
      outputSoftmax: true,
    };
    expect(lowerToGraph(MNIST_CNN)).toEqual(expected);
  });

  it('survives a JSON round trip unchanged (what the addon receives)', () => {
    const graph = lowerToGraph(MNIST_CNN);
    expect(JSON.parse(JSON.stringify(graph))).toEqual(graph);
  });
});

describe('lowering details', () => {
  it('computes asymmetric same padding (stride 2, even kernel)', () => {
    const g = lowerToGraph(
      specOf([7, 8, 3], [
        { type: 'conv2d', filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same' },
        { type: 'maxPool2d', padding: 'same' },
      ]),
    );
    expect(g.layers[0]).toMatchObject({ padding: [1, 1, 0, 0], outShape: [4, 4, 4], stride: [2, 2], kernel: [3, 2] });
    expect(g.layers[1]).toMatchObject({ padding: [0, 0, 0, 0], outShape: [4, 2, 2] });
    const odd = lowerToGraph(specOf([7, 7, 1], [{ type: 'maxPool2d', padding: 'same' }]));
    expect(odd.layers[0]).toMatchObject({ padding: [0, 1, 0, 1], outShape: [1, 4, 4] });
  });

  it('fills batch-norm defaults in PyTorch terms', () => {
    const g = lowerToGraph(
      specOf([8, 8, 4], [
        { type: 'batchNorm' },
        { type: 'batchNorm', epsilon: 1e-5, momentum: 0.9, trainable: false, activation: 'relu' },
      ]),
    );
    expect(g.layers[0]).toMatchObject({ type: 'batchNorm', features: 4, epsilon: 1e-3, momentum: 0.01, activation: 'linear', trainable: true });
    expect(g.layers[1]).toMatchObject({ epsilon: 1e-5, momentum: 0.1, activation: 'relu', trainable: false });
  });

  it('fills Keras alpha defaults for leakyRelu and elu', () => {
    const g = lowerToGraph(
      specOf([8, 8, 4], [
        { type: 'activation', activation: 'leakyRelu' },
        { type: 'activation', activation: 'elu' },
        { type: 'activation', activation: 'leakyRelu', alpha: 0.01 },
        { type: 'conv2d', filters: 2, kernelSize: 1, activation: 'elu', alpha: 0.5 },
      ]),
    );
    expect(g.layers.map((l) => ('alpha' in l ? l.alpha : undefined))).toEqual([0.3, 1, 0.01, 0.5]);
  });

  it('resolves branch inputs to indices and strips a final softmax activation layer', () => {
    const g = lowerToGraph(
      specOf([16, 16, 8], [
        { type: 'conv2d', id: 'stem', filters: 8, kernelSize: 3, padding: 'same' },
        { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same' },
        { type: 'add', inputs: ['stem', 'conv2d_2'] },
        { type: 'concat', inputs: ['add_1', 'input'] },
        { type: 'globalAvgPool2d' },
        { type: 'dense', units: 3 },
        { type: 'activation', activation: 'softmax' },
      ]),
    );
    expect(g.layers.map((l) => l.inputs)).toEqual([[-1], [0], [0, 1], [2, -1], [3], [4], [5]]);
    expect(g.layers[3]!.outShape).toEqual([16, 16, 16]);
    expect(g.layers[6]).toMatchObject({ type: 'activation', activation: 'linear' });
    expect(g).toMatchObject({ output: 6, outputSoftmax: true });
  });

  it('keeps linear outputs as they are', () => {
    const g = lowerToGraph(specOf([4, 4, 1], [{ type: 'flatten' }, { type: 'dense', units: 2 }]));
    expect(g.outputSoftmax).toBe(false);
  });

  it('count padding in avg pools like PyTorch for explicit padding, like Keras for same', () => {
    const g = lowerToGraph(
      specOf([8, 8, 1], [
        { type: 'avgPool2d', poolSize: 3, strides: 1, padding: 1 },
        { type: 'avgPool2d', poolSize: 3, strides: 1, padding: 'same' },
      ]),
    );
    expect(g.layers.map((l) => (l.type === 'avgPool2d' ? l.countIncludePad : undefined))).toEqual([true, false]);
  });
});

/** The fields GRAPH.md lists for each type, besides name, type, inputs, outShape, trainable. */
const GRAPH_FIELDS: Record<string, string[]> = {
  conv2d: ['inChannels', 'filters', 'kernel', 'stride', 'padding', 'dilation', 'groups', 'useBias', 'activation', 'alpha'],
  dense: ['inFeatures', 'units', 'useBias', 'activation', 'alpha'],
  batchNorm: ['features', 'epsilon', 'momentum', 'activation', 'alpha'],
  maxPool2d: ['pool', 'stride', 'padding', 'ceilMode'],
  avgPool2d: ['pool', 'stride', 'padding', 'ceilMode', 'countIncludePad'],
  globalAvgPool2d: [],
  globalMaxPool2d: [],
  adaptiveAvgPool2d: ['outputSize'],
  zeroPadding2d: ['padding'],
  flatten: [],
  dropout: ['rate'],
  dropPath: ['rate'],
  activation: ['activation', 'alpha'],
  add: [],
  concat: [],
  multiply: [],
};
const BASE_FIELDS = ['name', 'type', 'inputs', 'outShape', 'trainable'];

describe('graph contract over random valid specs', () => {
  it('every layer carries exactly the GRAPH.md fields, inputs point backwards, shapes chain', () => {
    for (let seed = 0; seed < 300; seed++) {
      const { graph, summary } = compileSpec(randomValidSpec(seed));
      graph.layers.forEach((layer, i) => {
        const fields = GRAPH_FIELDS[layer.type];
        expect(fields, layer.type).toBeDefined();
        expect(Object.keys(layer).sort()).toEqual([...BASE_FIELDS, ...fields!].sort());
        for (const j of layer.inputs) expect(j >= -1 && j < i).toBe(true);
        const keras = summary.layers[i]!.outputShape;
        const torch = keras.length === 3 ? [keras[2], keras[0], keras[1]] : keras;
        expect(layer.outShape).toEqual(torch);
        if (layer.type === 'conv2d') {
          const src = layer.inputs[0] === -1 ? graph.input.shape : graph.layers[layer.inputs[0]!]!.outShape;
          expect(layer.inChannels).toBe(src[0]);
        }
      });
      expect(graph.output).toBe(graph.layers.length - 1);
      expect(graph.layers.some((l) => 'activation' in l && l.activation === 'softmax')).toBe(false);
    }
  });
});
