/**
 * Pure output-size arithmetic for convolution and pooling windows, and the
 * resolution of a padding option to explicit [top, bottom, left, right].
 *
 * Sizes follow PyTorch's formula, which equals the tutorial's
 * H' = (H - K + 2P) / S + 1 for symmetric padding:
 *   H' = floor((H + padBefore + padAfter - dilation * (K - 1) - 1) / S) + 1
 */
import type { PairSpec, PaddingSpec, ZeroPaddingSpec } from './schema.js';

export type Pair = readonly [number, number];
/** Explicit padding [top, bottom, left, right]. */
export type Padding4 = readonly [number, number, number, number];

/** `n` → `[n, n]`; `[h, w]` unchanged. */
export function toPair(v: PairSpec): Pair {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Extent of a dilated kernel: dilation * (kernel - 1) + 1. */
export function effectiveKernel(kernel: number, dilation = 1): number {
  return dilation * (kernel - 1) + 1;
}

/**
 * Output length along one axis of a sliding window. May be 0 or negative when
 * the (dilated) kernel is larger than the padded input; callers report that.
 */
export function windowOutputSize(
  input: number,
  kernel: number,
  stride: number,
  padBefore = 0,
  padAfter = padBefore,
  dilation = 1,
): number {
  return Math.floor((input + padBefore + padAfter - effectiveKernel(kernel, dilation)) / stride) + 1;
}

/**
 * Output length along one axis of a pooling window with PyTorch's `ceil_mode`:
 * the division rounds up, but a last window that would start in the trailing
 * padding is dropped. Without ceil mode this is windowOutputSize.
 */
export function poolOutputSize(
  input: number,
  kernel: number,
  stride: number,
  padBefore: number,
  padAfter: number,
  ceilMode: boolean,
): number {
  if (!ceilMode) return windowOutputSize(input, kernel, stride, padBefore, padAfter);
  let out = Math.ceil((input + padBefore + padAfter - kernel) / stride) + 1;
  if ((out - 1) * stride >= input + padBefore) out -= 1;
  return out;
}

/**
 * Keras/TensorFlow `same` padding along one axis: the output is ceil(input / stride);
 * the total padding goes half before, and the odd extra row/column after.
 */
export function samePadding(input: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const out = Math.ceil(input / stride);
  const total = Math.max((out - 1) * stride + effectiveKernel(kernel, dilation) - input, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Resolves a conv/pool padding option to explicit [top, bottom, left, right] for an input of h x w. */
export function resolvePadding(
  padding: PaddingSpec,
  input: Pair,
  kernel: Pair,
  stride: Pair,
  dilation: Pair = [1, 1],
): Padding4 {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    const [top, bottom] = samePadding(input[0], kernel[0], stride[0], dilation[0]);
    const [left, right] = samePadding(input[1], kernel[1], stride[1], dilation[1]);
    return [top, bottom, left, right];
  }
  const [ph, pw] = toPair(padding);
  return [ph, ph, pw, pw];
}

/** Resolves a zeroPadding2d option: `n`, `[h, w]` or `[[top, bottom], [left, right]]`. */
export function resolveZeroPadding(padding: ZeroPaddingSpec): Padding4 {
  if (typeof padding === 'number') return [padding, padding, padding, padding];
  const [h, w] = padding;
  if (typeof h === 'number' && typeof w === 'number') return [h, h, w, w];
  if (Array.isArray(h) && Array.isArray(w)) return [h[0], h[1], w[0], w[1]];
  throw new TypeError('unreachable: zeroPadding2d padding was validated by the schema');
}
