import { describe, expect, it } from 'vitest';
import { CnnError, type ErrorCode } from '../../src/errors.js';
import { compileSpec, summarize } from '../../src/architecture/index.js';
import { MNIST_CNN, specOf, type RawLayer } from './fixtures.js';

/** Runs summarize and returns the CnnError it throws. */
function errorOf(spec: unknown, opts?: { maxParams?: number }): CnnError {
  try {
    summarize(spec, opts);
  } catch (e) {
    if (e instanceof CnnError) return e;
    throw e;
  }
  throw new Error('expected the spec to be rejected');
}

const conv = (extra: RawLayer = {}): RawLayer => ({ type: 'conv2d', filters: 4, kernelSize: 3, ...extra });
const on28 = (...layers: RawLayer[]) => specOf([28, 28, 1], layers);

type Case = [title: string, spec: unknown, code: ErrorCode, path: string | undefined, message?: RegExp];

const CASES: Case[] = [
  // schema
  ['not an object', null, 'SPEC_INVALID', undefined, /expected a spec object.*received null/],
  ['unknown top-level key', { ...on28(conv()), output: 3 }, 'SPEC_INVALID', 'output', /unknown key 'output'/],
  ['missing input', { layers: [conv()] }, 'SPEC_INVALID', 'input', /missing/],
  ['input shape of two dims', { input: { shape: [28, 28] }, layers: [conv()] }, 'SPEC_INVALID', 'input.shape', /\[height, width, channels\]/],
  ['zero input dim', specOf([28, 0, 1], [conv()]), 'SPEC_INVALID', 'input.shape[1]', /positive integer, received 0/],
  ['no layers', specOf([28, 28, 1], []), 'SPEC_INVALID', 'layers', /at least one layer/],
  ['filters 0', on28(conv({ filters: 0 })), 'SPEC_INVALID', 'layers[0].filters', /expected a positive integer, received 0/],
  ['filters 2.5', on28(conv({ filters: 2.5 })), 'SPEC_INVALID', 'layers[0].filters', /received 2.5/],
  ['filters as a string', on28(conv({ filters: '32' })), 'SPEC_INVALID', 'layers[0].filters', /received '32'/],
  ['missing units', on28({ type: 'flatten' }, { type: 'dense' }), 'SPEC_INVALID', 'layers[1].units', /positive integer, but it is missing/],
  ['kernel pair with a zero', on28(conv({ kernelSize: [3, 0] })), 'SPEC_INVALID', 'layers[0].kernelSize[1]', /positive integer/],
  ['kernel of three numbers', on28(conv({ kernelSize: [3, 3, 3] })), 'SPEC_INVALID', 'layers[0].kernelSize', /\[h, w\]/],
  ['misspelled key', on28({ type: 'conv2d', filters: 4, kernelSzie: 3 }), 'SPEC_INVALID', 'layers[0].kernelSzie', /unknown key 'kernelSzie' in a conv2d layer; allowed keys: .*kernelSize/],
  ['unknown padding', on28(conv({ padding: 'full' })), 'SPEC_INVALID', 'layers[0].padding', /'valid', 'same'.*received 'full'/],
  ['negative padding', on28(conv({ padding: -1 })), 'SPEC_INVALID', 'layers[0].padding', /received -1/],
  ['unknown activation', on28(conv({ activation: 'swish' })), 'SPEC_INVALID', 'layers[0].activation', /one of linear, relu.*received 'swish'/],
  ['dropout rate 1', on28({ type: 'dropout', rate: 1 }), 'SPEC_INVALID', 'layers[0].rate', /\[0, 1\)/],
  ['batchNorm momentum 2', on28({ type: 'batchNorm', momentum: 2 }), 'SPEC_INVALID', 'layers[0].momentum', /\[0, 1\]/],
  ['unknown layer type, Keras spelling', on28(conv(), { type: 'MaxPooling2D' }), 'SPEC_INVALID', 'layers[1].type', /unknown layer type 'MaxPooling2D' \(did you mean 'maxPool2d'\?\)/],
  ['missing layer type', on28({ filters: 3 }), 'SPEC_INVALID', 'layers[0].type', /missing layer type; expected one of conv2d/],
  ['layer that is not an object', on28(conv(), 7 as never), 'SPEC_INVALID', 'layers[1]', /layer object/],
  ['bad name', on28(conv({ name: 'my conv' })), 'SPEC_INVALID', 'layers[0].name', /letters, digits/],
  ['conv with two inputs', on28(conv({ id: 'a' }), conv({ inputs: ['a', 'input'] })), 'SPEC_INVALID', 'layers[1].inputs', /exactly one input/],
  ['add with one input', on28(conv({ id: 'a' }), { type: 'add', inputs: ['a'] }), 'SPEC_INVALID', 'layers[1].inputs', /2 or more/],
  ['add without inputs', on28(conv(), { type: 'add' }), 'SPEC_INVALID', 'layers[1].inputs', /missing/],
  ['multiply with three inputs', on28(conv({ id: 'a' }), { type: 'multiply', inputs: ['a', 'a', 'a'] }), 'SPEC_INVALID', 'layers[1].inputs', /exactly 2/],
  ['trainable not a boolean', on28(conv({ trainable: 'no' })), 'SPEC_INVALID', 'layers[0].trainable', /true or false/],

  // graph resolution
  ['unknown input id', on28(conv({ id: 'a' }), conv({ inputs: ['b'] })), 'SPEC_UNKNOWN_INPUT', 'layers[1].inputs[0]', /no layer has id 'b'; earlier ids include 'input', 'a'/],
  ['forward reference', on28(conv({ id: 'a' }), { type: 'add', inputs: ['a', 'c'] }, conv({ id: 'c' })), 'SPEC_CYCLE', 'layers[1].inputs[1]', /'c' is layers\[2\], which runs after this layer; layers run in order/],
  ['self reference', on28(conv({ id: 'a', inputs: ['a'] })), 'SPEC_CYCLE', 'layers[0].inputs[0]', /itself/],
  ['duplicate name', on28(conv({ name: 'c' }), conv({ name: 'c' })), 'SPEC_DUPLICATE_ID', 'layers[1].name', /already used by layers\[0\]/],
  ['duplicate id', on28(conv({ id: 'c' }), conv({ id: 'c' })), 'SPEC_DUPLICATE_ID', 'layers[1].id', /already the id of layers\[0\]/],
  ['id clashing with a name-derived id', on28(conv({ id: 'c' }), conv({ name: 'c' })), 'SPEC_DUPLICATE_ID', 'layers[1].name', /taken from the name/],
  ['reserved id', on28(conv({ id: 'input' })), 'SPEC_DUPLICATE_ID', 'layers[0].id', /reserved for the model input/],
  ['reserved name', on28(conv({ name: 'input' })), 'SPEC_DUPLICATE_ID', 'layers[0].name', /reserved/],
  ['dead branch', on28(conv({ id: 'a' }), conv({ inputs: ['input'] })), 'SPEC_UNUSED_LAYER', 'layers[0]', /feeds no later layer/],

  // shapes
  ['add of different shapes', on28(conv({ id: 'a' }), conv({ filters: 8 }), { type: 'add', inputs: ['a', 'conv2d_2'] }), 'SPEC_SHAPE_MISMATCH', 'layers[2].inputs', /'conv2d_1' is \[26, 26, 4\] and 'conv2d_2' is \[24, 24, 8\]/],
  ['add with the model input', on28(conv({ padding: 'same' }), { type: 'add', inputs: ['conv2d_1', 'input'] }), 'SPEC_SHAPE_MISMATCH', 'layers[1].inputs', /the model input is \[28, 28, 1\]/],
  ['concat of different sizes', on28(conv({ id: 'a' }), conv(), { type: 'concat', inputs: ['a', 'conv2d_2'] }), 'SPEC_SHAPE_MISMATCH', 'layers[2].inputs', /same height and width.*\[26, 26, 4\].*\[24, 24, 4\]/],
  ['concat of spatial and vector', on28(conv({ id: 'a' }), { type: 'flatten' }, { type: 'concat', inputs: ['a', 'flatten_1'] }), 'SPEC_SHAPE_MISMATCH', 'layers[2].inputs', /\[26, 26, 4\].*\[2704\]/],
  ['multiply by a wrong gate', on28(conv({ id: 'a', filters: 8 }), { type: 'adaptiveAvgPool2d', outputSize: 1 }, conv({ kernelSize: 1 }), { type: 'multiply', inputs: ['a', 'conv2d_2'] }), 'SPEC_SHAPE_MISMATCH', 'layers[3].inputs', /\[26, 26, 8\].*\[1, 1, 4\]/],
  ['kernel larger than input', specOf([12, 12, 1], [conv(), { type: 'maxPool2d', poolSize: 3 }, conv({ kernelSize: 5 })]), 'SPEC_NONPOSITIVE_DIM', 'layers[2].kernelSize', /^layers\[2\]\.kernelSize: kernel 5x5 is larger than its 3x3 input \(padding 'valid'\)/],
  ['dilated kernel larger than input', specOf([4, 4, 1], [conv({ dilation: 2 })]), 'SPEC_NONPOSITIVE_DIM', 'layers[0].kernelSize', /kernel 3x3 with dilation 2x2 \(effective 5x5\) is larger than its 4x4 input/],
  ['kernel larger than padded input', specOf([2, 2, 1], [conv({ kernelSize: 5, padding: 1 })]), 'SPEC_NONPOSITIVE_DIM', 'layers[0].kernelSize', /padding 1; padded input 4x4/],
  ['pool larger than input', specOf([3, 3, 1], [{ type: 'maxPool2d', poolSize: 4 }]), 'SPEC_NONPOSITIVE_DIM', 'layers[0].poolSize', /pool 4x4 is larger than its 3x3 input/],
  ['too many pools', specOf([4, 4, 1], [{ type: 'maxPool2d' }, { type: 'maxPool2d' }, { type: 'maxPool2d' }]), 'SPEC_NONPOSITIVE_DIM', 'layers[2].poolSize', /1x1 input/],
  ['dense on a spatial input', on28(conv(), { type: 'dense', units: 10 }), 'SPEC_RANK_MISMATCH', 'layers[1]', /dense needs a vector input, but 'conv2d_1' is spatial \[26, 26, 4\]; add flatten or globalAvgPool2d before it/],
  ['dense on the model input', on28({ type: 'dense', units: 10 }), 'SPEC_RANK_MISMATCH', 'layers[0]', /the model input is spatial/],
  ['conv on a vector', on28({ type: 'flatten' }, conv()), 'SPEC_RANK_MISMATCH', 'layers[1]', /conv2d needs a spatial \[H, W, C\] input, but 'flatten_1' is a vector \[784\]/],
  ['pool on a vector', on28({ type: 'globalAvgPool2d' }, { type: 'maxPool2d' }), 'SPEC_RANK_MISMATCH', 'layers[1]', /maxPool2d needs a spatial/],
  ['global pool on a vector', on28({ type: 'flatten' }, { type: 'globalAvgPool2d' }), 'SPEC_RANK_MISMATCH', 'layers[1]', /globalAvgPool2d needs a spatial/],

  // arguments
  ['softmax on a hidden layer', on28({ type: 'flatten' }, { type: 'dense', units: 8, activation: 'softmax' }, { type: 'dense', units: 2 }), 'SPEC_SOFTMAX_NOT_LAST', 'layers[1].activation', /only be the activation of the last layer \(layers\[2\]\)/],
  ['softmax activation layer in the middle', on28({ type: 'flatten' }, { type: 'activation', activation: 'softmax' }, { type: 'dropout', rate: 0.1 }), 'SPEC_SOFTMAX_NOT_LAST', 'layers[1].activation'],
  ['groups not dividing channels', specOf([8, 8, 6], [conv({ groups: 4, filters: 8 })]), 'SPEC_INVALID_ARGUMENT', 'layers[0].groups', /groups 4 must divide the 6 input channels/],
  ['groups not dividing filters', specOf([8, 8, 6], [conv({ groups: 3, filters: 4 })]), 'SPEC_INVALID_ARGUMENT', 'layers[0].groups', /groups 3 must divide filters 4/],
  ['alpha on relu', on28(conv({ activation: 'relu', alpha: 0.1 })), 'SPEC_INVALID_ARGUMENT', 'layers[0].alpha', /only to leakyRelu and elu/],
  ['pool padding over half the window', on28({ type: 'maxPool2d', poolSize: 2, padding: 2 }), 'SPEC_INVALID_ARGUMENT', 'layers[0].padding', /more than half the 2x2 pool; use at most 1x1/],

  // size
  ['over the default cap', specOf([224, 224, 3], [{ type: 'flatten' }, { type: 'dense', units: 2000 }]), 'SPEC_TOO_LARGE', 'layers[1]', /301,058,000 parameters at 'dense_1', over the cap of 200,000,000/],
  ['over a given cap', MNIST_CNN, 'SPEC_TOO_LARGE', 'layers[5]', /cap of 400,000/],
];

describe('spec errors: code, path and message', () => {
  it.each(CASES)('%s', (_title, spec, code, path, message) => {
    const opts = _title === 'over a given cap' ? { maxParams: 400_000 } : undefined;
    const e = errorOf(spec, opts);
    expect({ code: e.code, path: e.path }).toEqual({ code, path });
    if (path !== undefined) expect(e.message.startsWith(`${path}: `)).toBe(true);
    if (message) expect(e.message).toMatch(message);
  });

  it('covers every SPEC_* code of the error table', async () => {
    const { ERROR_TABLE } = await import('../../src/errors.js');
    const specCodes = Object.keys(ERROR_TABLE).filter((c) => c.startsWith('SPEC_'));
    expect(new Set(CASES.map((c) => c[2]))).toEqual(new Set(specCodes));
  });

  it('maps to HTTP 400 with a client-safe body', () => {
    const e = errorOf(on28(conv({ filters: 0 })));
    expect(e.httpStatus).toBe(400);
    expect(e.toJSON()).toEqual({
      error: {
        code: 'SPEC_INVALID',
        message: 'layers[0].filters: expected a positive integer, received 0',
        path: 'layers[0].filters',
        details: { issue: 'too_small' },
      },
    });
  });

  it('compileSpec and summarize reject the same way', () => {
    const spec = on28(conv(), { type: 'dense', units: 10 });
    expect(() => compileSpec(spec)).toThrow(CnnError);
    expect(errorOf(spec).code).toBe('SPEC_RANK_MISMATCH');
  });
});
