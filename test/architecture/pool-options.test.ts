import { describe, expect, it } from 'vitest';
import { CnnError } from '../../src/errors.js';
import { lowerToGraph, poolOutputSize, summarize } from '../../src/architecture/index.js';
import { specOf } from './fixtures.js';

describe('poolOutputSize with ceil mode (as torch.nn.functional.max_pool2d)', () => {
  // [input, kernel, stride, padding, torch's output]; 0 where torch rejects the window.
  const TORCH: Array<[number, number, number, number, number]> = [
    [1, 2, 2, 0, 1],
    [1, 3, 2, 0, 0],
    [2, 3, 2, 0, 1],
    [3, 3, 2, 0, 1],
    [4, 3, 2, 0, 2],
    [5, 3, 2, 1, 3],
    [6, 3, 2, 1, 4],
    [112, 3, 2, 0, 56],
    [14, 2, 2, 0, 7],
    [7, 3, 1, 1, 7],
    [8, 3, 3, 1, 3],
    [7, 2, 3, 1, 3],
  ];
  it.each(TORCH)('input %i, pool %i, stride %i, padding %i → %i', (input, k, s, p, expected) => {
    expect(Math.max(0, poolOutputSize(input, k, s, p, p, true))).toBe(expected);
  });

  it('floors without ceil mode', () => {
    expect(poolOutputSize(112, 3, 2, 0, 0, false)).toBe(55);
  });
});

describe('pool options', () => {
  it('ceilMode rounds the output up and reaches the graph', () => {
    const spec = specOf([112, 112, 4], [{ type: 'maxPool2d', poolSize: 3, strides: 2, ceilMode: true }]);
    expect(summarize(spec).outputShape).toEqual([56, 56, 4]);
    expect(lowerToGraph(spec).layers[0]).toMatchObject({ type: 'maxPool2d', ceilMode: true, outShape: [4, 56, 56] });
  });

  it('ceilMode with same padding is rejected', () => {
    const spec = specOf([8, 8, 1], [{ type: 'avgPool2d', padding: 'same', ceilMode: true }]);
    expect(() => summarize(spec)).toThrow(expect.objectContaining({ code: 'SPEC_INVALID_ARGUMENT', path: 'layers[0].ceilMode' }) as CnnError);
  });

  it('countIncludePad overrides the default of either padding style', () => {
    const g = lowerToGraph(
      specOf([8, 8, 1], [
        { type: 'avgPool2d', poolSize: 3, strides: 1, padding: 1, countIncludePad: false },
        { type: 'avgPool2d', poolSize: 3, strides: 1, padding: 'same', countIncludePad: true },
        { type: 'avgPool2d', poolSize: 3, strides: 1, padding: 1 },
      ]),
    );
    expect(g.layers.map((l) => (l.type === 'avgPool2d' ? l.countIncludePad : undefined))).toEqual([false, true, true]);
  });

  it('countIncludePad is not a max pool option', () => {
    const spec = specOf([8, 8, 1], [{ type: 'maxPool2d', countIncludePad: true }]);
    expect(() => summarize(spec)).toThrow(expect.objectContaining({ code: 'SPEC_INVALID', path: 'layers[0].countIncludePad' }) as CnnError);
  });
});
