import { describe, expect, it } from 'vitest';
import { resolvePadding, resolveZeroPadding, samePadding, windowOutputSize } from '../../src/architecture/index.js';

describe('output size (tutorial section 2.2)', () => {
  it.each([
    // input, kernel, padding, stride, output
    [28, 3, 0, 1, 26],
    [28, 3, 1, 1, 28], // same
    [28, 3, 0, 2, 13],
    [224, 7, 3, 2, 112],
  ])('H=%i K=%i P=%i S=%i -> %i', (h, k, p, s, out) => {
    expect(windowOutputSize(h, k, s, p, p)).toBe(out);
  });

  it('dilation widens the kernel: k3 d2 acts as k5', () => {
    expect(windowOutputSize(28, 3, 1, 0, 0, 2)).toBe(24);
    expect(windowOutputSize(28, 5, 1, 0, 0, 1)).toBe(24);
  });

  it('goes non-positive when the kernel is larger than the padded input', () => {
    expect(windowOutputSize(3, 5, 1)).toBeLessThan(1);
    expect(windowOutputSize(3, 5, 1, 1, 1)).toBe(1);
  });
});

describe('Keras same padding', () => {
  it.each([
    // input, kernel, stride, dilation, [before, after], output
    [28, 3, 1, 1, [1, 1], 28],
    [28, 3, 2, 1, [0, 1], 14], // stride 2: the extra row goes after
    [224, 7, 2, 1, [2, 3], 112],
    [7, 2, 1, 1, [0, 1], 7], // even kernel: asymmetric
    [8, 4, 2, 1, [1, 1], 4],
    [7, 4, 2, 1, [1, 2], 4],
    [28, 3, 1, 2, [2, 2], 28], // dilation 2: effective kernel 5
    [5, 1, 2, 1, [0, 0], 3],
    [1, 2, 2, 1, [0, 1], 1],
  ])('in=%i k=%i s=%i d=%i -> pad %j, out %i', (input, k, s, d, pads, out) => {
    const [before, after] = samePadding(input, k, s, d);
    expect([before, after]).toEqual(pads);
    expect(windowOutputSize(input, k, s, before, after, d)).toBe(out);
    expect(out).toBe(Math.ceil(input / s));
  });

  it('resolves per axis to [top, bottom, left, right]', () => {
    expect(resolvePadding('same', [7, 8], [2, 3], [2, 2])).toEqual([0, 1, 0, 1]);
    expect(resolvePadding('same', [28, 28], [3, 3], [1, 1])).toEqual([1, 1, 1, 1]);
    expect(resolvePadding('valid', [28, 28], [3, 3], [1, 1])).toEqual([0, 0, 0, 0]);
    expect(resolvePadding(2, [28, 28], [3, 3], [1, 1])).toEqual([2, 2, 2, 2]);
    expect(resolvePadding([1, 2], [28, 28], [3, 3], [1, 1])).toEqual([1, 1, 2, 2]);
  });
});

describe('zeroPadding2d', () => {
  it.each([
    [1, [1, 1, 1, 1]],
    [[1, 2], [1, 1, 2, 2]],
    [[[0, 1], [2, 3]], [0, 1, 2, 3]],
  ] as const)('%j -> %j', (p, out) => {
    expect(resolveZeroPadding(p as never)).toEqual(out);
  });
});
