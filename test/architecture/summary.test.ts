import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { summarize, type Summary } from '../../src/architecture/index.js';
import { MNIST_CNN, specOf, TUTORIAL_3CONV } from './fixtures.js';

const paramsOf = (s: Summary) => s.layers.map((l) => l.params);
const shapesOf = (s: Summary) => s.layers.map((l) => l.outputShape);
const row = (s: Summary, name: string) => s.layers.find((l) => l.name === name)!;

describe('the tutorial MNIST CNN (section 5)', () => {
  const s = summarize(MNIST_CNN);

  it('counts 320 / 18,496 / 401,536 / 1,290 = 421,642 parameters', () => {
    expect(paramsOf(s)).toEqual([320, 0, 18_496, 0, 0, 401_536, 1_290]);
    expect(s.totals).toEqual({
      totalParams: 421_642,
      trainableParams: 421_642,
      frozenParams: 0,
      bnRunningStats: 0,
      kerasNonTrainable: 0,
      macs: 28 * 28 * 32 * 9 + 14 * 14 * 64 * 9 * 32 + 3136 * 128 + 128 * 10,
    });
  });

  it('goes 28x28x32 -> 14x14x32 -> 14x14x64 -> 7x7x64 -> 3136 -> 128 -> 10', () => {
    expect(shapesOf(s)).toEqual([[28, 28, 32], [14, 14, 32], [14, 14, 64], [7, 7, 64], [3136], [128], [10]]);
    expect(s.inputShape).toEqual([28, 28, 1]);
    expect(s.outputShape).toEqual([10]);
    expect(s.outputSoftmax).toBe(true);
  });

  it('names layers Keras-style with per-type counters', () => {
    expect(s.layers.map((l) => l.name)).toEqual([
      'conv2d_1',
      'maxPool2d_1',
      'conv2d_2',
      'maxPool2d_2',
      'flatten_1',
      'dense_1',
      'dense_2',
    ]);
    expect(s.layers.map((l) => l.inputs)).toEqual([
      ['input'],
      ['conv2d_1'],
      ['maxPool2d_1'],
      ['conv2d_2'],
      ['maxPool2d_2'],
      ['flatten_1'],
      ['dense_1'],
    ]);
  });

  it('matches the shipped example file', () => {
    const file = JSON.parse(readFileSync(new URL('../../examples/mnist-cnn.json', import.meta.url), 'utf8'));
    expect(summarize(file)).toEqual(s);
  });
});

describe('the tutorial three-conv model (section 4.1, valid padding)', () => {
  const s = summarize(TUTORIAL_3CONV);

  it('counts 93,322 parameters', () => {
    expect(paramsOf(s)).toEqual([320, 0, 18_496, 0, 36_928, 0, 36_928, 0, 650]);
    expect(s.totals.totalParams).toBe(93_322);
  });

  it('shrinks 26 -> 13 -> 11 -> 5 -> 3', () => {
    expect(shapesOf(s)).toEqual([
      [26, 26, 32],
      [13, 13, 32],
      [11, 11, 64],
      [5, 5, 64],
      [3, 3, 64],
      [576],
      [64],
      [64],
      [10],
    ]);
  });

  it('matches the shipped example file', () => {
    const file = JSON.parse(readFileSync(new URL('../../examples/tutorial-3conv.json', import.meta.url), 'utf8'));
    expect(summarize(file).totals.totalParams).toBe(93_322);
  });
});

describe('dense-only comparison (tutorial section 5 note)', () => {
  it.each([
    [false, 401_408],
    [true, 401_920],
  ])('flatten 28x28x1 -> dense 512, useBias %s: %i', (useBias, params) => {
    const s = summarize(specOf([28, 28, 1], [{ type: 'flatten' }, { type: 'dense', units: 512, useBias }]));
    expect(s.totals.totalParams).toBe(params);
    expect(s.totals.macs).toBe(784 * 512);
  });
});

describe('parameter counts by layer kind', () => {
  it.each<[string, [number, number, number], Record<string, unknown>[], number[]]>([
    ['conv2d (3x3x1+1) x 32', [28, 28, 1], [{ type: 'conv2d', filters: 32, kernelSize: 3 }], [320]],
    ['conv2d without bias', [28, 28, 3], [{ type: 'conv2d', filters: 16, kernelSize: 3, useBias: false }], [432]],
    ['rectangular kernel', [28, 28, 3], [{ type: 'conv2d', filters: 8, kernelSize: [1, 5] }], [1 * 5 * 3 * 8 + 8]],
    ['grouped conv', [16, 16, 32], [{ type: 'conv2d', filters: 64, kernelSize: 3, groups: 4 }], [3 * 3 * 8 * 64 + 64]],
    ['depthwise conv', [16, 16, 32], [{ type: 'conv2d', filters: 32, kernelSize: 3, groups: 32, useBias: false }], [288]],
    ['depthwise x2 multiplier', [16, 16, 8], [{ type: 'conv2d', filters: 16, kernelSize: 3, groups: 8 }], [9 * 16 + 16]],
    ['dilation adds no parameters', [28, 28, 1], [{ type: 'conv2d', filters: 4, kernelSize: 3, dilation: 2 }], [40]],
    ['batchNorm: 2 x features learnable', [8, 8, 16], [{ type: 'batchNorm' }], [32]],
    ['pools, dropout, activation have none', [8, 8, 4], [
      { type: 'maxPool2d' },
      { type: 'avgPool2d', poolSize: 1 },
      { type: 'dropout', rate: 0.2 },
      { type: 'activation', activation: 'relu' },
      { type: 'globalAvgPool2d' },
    ], [0, 0, 0, 0, 0]],
  ])('%s', (_title, shape, layers, params) => {
    expect(paramsOf(summarize(specOf(shape, layers)))).toEqual(params);
  });
});

describe('batch norm: learnable vs running statistics vs Keras non-trainable', () => {
  const spec = specOf(
    [32, 32, 3],
    [
      { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', useBias: false },
      { type: 'batchNorm' },
      { type: 'activation', activation: 'relu' },
      { type: 'globalAvgPool2d' },
      { type: 'dense', units: 8 },
      { type: 'batchNorm', trainable: false },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  );
  const s = summarize(spec);

  it('counts gamma/beta as parameters and mean/var as running statistics', () => {
    expect(row(s, 'batchNorm_1')).toMatchObject({ params: 32, trainableParams: 32, bnRunningStats: 32, outputShape: [32, 32, 16] });
    expect(row(s, 'batchNorm_2')).toMatchObject({ params: 16, trainableParams: 0, bnRunningStats: 16, outputShape: [8] });
  });

  it('splits the totals', () => {
    const learnable = 432 + 32 + (16 * 8 + 8) + 16 + (8 * 10 + 10);
    expect(s.totals).toMatchObject({
      totalParams: learnable,
      trainableParams: learnable - 16,
      frozenParams: 16,
      bnRunningStats: 48,
      kerasNonTrainable: 16 + 48,
    });
  });
});

describe('frozen layers', () => {
  it('count as frozen, not trainable', () => {
    const s = summarize(
      specOf(
        [28, 28, 1],
        [
          { type: 'conv2d', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', trainable: false },
          { type: 'maxPool2d' },
          { type: 'conv2d', filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', trainable: false },
          { type: 'maxPool2d' },
          { type: 'flatten' },
          { type: 'dense', units: 128, activation: 'relu' },
          { type: 'dense', units: 10, activation: 'softmax' },
        ],
      ),
    );
    expect(s.totals).toMatchObject({
      totalParams: 421_642,
      trainableParams: 401_536 + 1_290,
      frozenParams: 320 + 18_496,
      kerasNonTrainable: 320 + 18_496,
    });
    expect(row(s, 'conv2d_1').trainableParams).toBe(0);
  });
});

describe('graphs', () => {
  it('residual add keeps the shape', () => {
    const s = summarize(
      specOf(
        [16, 16, 8],
        [
          { type: 'conv2d', id: 'stem', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
          { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
          { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same' },
          { type: 'add', inputs: ['stem', 'conv2d_3'] },
          { type: 'activation', activation: 'relu' },
          { type: 'globalAvgPool2d' },
          { type: 'dense', units: 10 },
        ],
      ),
    );
    // The id only names the reference; the layer keeps its default name.
    expect(row(s, 'add_1')).toMatchObject({ outputShape: [16, 16, 16], params: 0, inputs: ['conv2d_1', 'conv2d_3'] });
    expect(s.layers[0]).toMatchObject({ id: 'stem', name: 'conv2d_1' });
    expect(s.totals.totalParams).toBe(1168 + 2320 + 2320 + 170);
  });

  it('concat sums channels (inception-like), and can take the model input', () => {
    const s = summarize(
      specOf(
        [14, 14, 4],
        [
          { type: 'conv2d', id: 'b1', filters: 8, kernelSize: 1, inputs: ['input'] },
          { type: 'conv2d', id: 'b3', filters: 16, kernelSize: 3, padding: 'same', inputs: ['input'] },
          { type: 'maxPool2d', id: 'bp', poolSize: 3, strides: 1, padding: 'same', inputs: ['input'] },
          { type: 'concat', inputs: ['b1', 'b3', 'bp'] },
          { type: 'flatten' },
          { type: 'dense', units: 2 },
        ],
      ),
    );
    expect(row(s, 'concat_1').outputShape).toEqual([14, 14, 28]);
    expect(row(s, 'flatten_1').outputShape).toEqual([14 * 14 * 28]);
  });

  it('concat of vectors sums features', () => {
    const s = summarize(
      specOf(
        [4, 4, 2],
        [
          { type: 'globalAvgPool2d', id: 'avg' },
          { type: 'globalMaxPool2d', id: 'max', inputs: ['input'] },
          { type: 'concat', inputs: ['avg', 'max'] },
          { type: 'dense', units: 3 },
        ],
      ),
    );
    expect(row(s, 'concat_1').outputShape).toEqual([4]);
    expect(s.totals.totalParams).toBe(15);
  });

  it('multiply scales channels by a [1, 1, C] gate (squeeze-excitation)', () => {
    const s = summarize(
      specOf(
        [8, 8, 16],
        [
          { type: 'conv2d', id: 'x', filters: 16, kernelSize: 3, padding: 'same' },
          { type: 'adaptiveAvgPool2d', outputSize: 1 },
          { type: 'conv2d', filters: 4, kernelSize: 1, activation: 'relu' },
          { type: 'conv2d', id: 'gate', filters: 16, kernelSize: 1, activation: 'hardSigmoid' },
          { type: 'multiply', inputs: ['x', 'gate'] },
          { type: 'globalAvgPool2d' },
          { type: 'dense', units: 2 },
        ],
      ),
    );
    expect(row(s, 'adaptiveAvgPool2d_1').outputShape).toEqual([1, 1, 16]);
    expect(row(s, 'multiply_1').outputShape).toEqual([8, 8, 16]);
  });

  it('zeroPadding2d grows height and width', () => {
    const s = summarize(
      specOf([5, 5, 1], [{ type: 'zeroPadding2d', padding: [[0, 1], [2, 3]] }, { type: 'conv2d', filters: 1, kernelSize: 3 }]),
    );
    expect(shapesOf(s)).toEqual([[6, 10, 1], [4, 8, 1]]);
  });
});

describe('padding and strides', () => {
  it.each<[string, [number, number, number], Record<string, unknown>, number[]]>([
    ['same, stride 2, odd input', [7, 7, 1], { type: 'conv2d', filters: 1, kernelSize: 3, strides: 2, padding: 'same' }, [4, 4, 1]],
    ['same, even kernel', [7, 8, 1], { type: 'conv2d', filters: 1, kernelSize: 2, padding: 'same' }, [7, 8, 1]],
    ['same, stride 2, even kernel', [7, 7, 1], { type: 'conv2d', filters: 1, kernelSize: 4, strides: 2, padding: 'same' }, [4, 4, 1]],
    ['valid, stride 2 (tutorial 28,3,0,2 -> 13)', [28, 28, 1], { type: 'conv2d', filters: 1, kernelSize: 3, strides: 2 }, [13, 13, 1]],
    ['explicit 3, stride 2 (224,7,3,2 -> 112)', [224, 224, 3], { type: 'conv2d', filters: 64, kernelSize: 7, strides: 2, padding: 3 }, [112, 112, 64]],
    ['per-axis strides and padding', [20, 30, 1], { type: 'conv2d', filters: 1, kernelSize: [3, 5], strides: [1, 2], padding: [1, 2] }, [20, 15, 1]],
    ['dilation 2, valid', [28, 28, 1], { type: 'conv2d', filters: 1, kernelSize: 3, dilation: 2 }, [24, 24, 1]],
    ['dilation 2, same', [28, 28, 1], { type: 'conv2d', filters: 1, kernelSize: 3, dilation: 2, padding: 'same' }, [28, 28, 1]],
    ['max pool, odd input, valid floors', [7, 7, 4], { type: 'maxPool2d' }, [3, 3, 4]],
    ['max pool, odd input, same ceils', [7, 7, 4], { type: 'maxPool2d', padding: 'same' }, [4, 4, 4]],
    ['avg pool 3, stride 1, same', [7, 7, 4], { type: 'avgPool2d', poolSize: 3, strides: 1, padding: 'same' }, [7, 7, 4]],
    ['max pool 3 / 2, padding 1 (resnet stem)', [112, 112, 64], { type: 'maxPool2d', poolSize: 3, strides: 2, padding: 1 }, [56, 56, 64]],
  ])('%s', (_title, shape, layer, out) => {
    expect(summarize(specOf(shape, [layer])).outputShape).toEqual(out);
  });

  it('MACs follow Hout * Wout * filters * kh * kw * inC / groups', () => {
    const s = summarize(specOf([16, 16, 8], [{ type: 'conv2d', filters: 16, kernelSize: 3, strides: 2, padding: 'same', groups: 2 }]));
    expect(s.totals.macs).toBe(8 * 8 * 16 * 3 * 3 * 4);
  });
});

describe('names and ids', () => {
  it('explicit names win; default names skip the names users took', () => {
    const s = summarize(
      specOf(
        [8, 8, 1],
        [
          { type: 'conv2d', name: 'conv2d_1', filters: 2, kernelSize: 1 },
          { type: 'conv2d', filters: 2, kernelSize: 1 },
          { type: 'conv2d', name: 'layer1.0.conv1', filters: 2, kernelSize: 1 },
          { type: 'conv2d', filters: 2, kernelSize: 1 },
        ],
      ),
    );
    expect(s.layers.map((l) => l.name)).toEqual(['conv2d_1', 'conv2d_2', 'layer1.0.conv1', 'conv2d_3']);
    expect(s.layers.map((l) => l.id)).toEqual(['conv2d_1', 'conv2d_2', 'layer1.0.conv1', 'conv2d_3']);
  });

  it('ids default to names and can differ from them', () => {
    const s = summarize(
      specOf(
        [8, 8, 1],
        [
          { type: 'conv2d', id: 'a', name: 'first', filters: 2, kernelSize: 1 },
          { type: 'conv2d', filters: 2, kernelSize: 1 },
          { type: 'add', inputs: ['a', 'conv2d_1'] },
        ],
      ),
    );
    expect(s.layers[2]!.inputs).toEqual(['first', 'conv2d_1']);
  });
});

describe('parameter cap', () => {
  it('accepts a model at the cap', () => {
    expect(summarize(MNIST_CNN, { maxParams: 421_642 }).totals.totalParams).toBe(421_642);
  });
});
