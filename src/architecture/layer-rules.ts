/**
 * Per-layer-type rules: given a parsed layer and the shapes of its inputs,
 * check rank and arguments, and compute the output shape, parameter and MAC
 * counts, and the normalized (default-free) op for the graph.
 */
import { CnnError } from '../errors.js';
import type { NormalizedOp, Padding4Array, Pair2 } from './graph-types.js';
import { batchNormCounts, conv2dMacs, conv2dParams, denseMacs, denseParams } from './params.js';
import type { Activation, LayerSpec, LayerSpecOf, LayerType, PaddingSpec } from './schema.js';
import {
  effectiveKernel,
  poolOutputSize,
  resolvePadding,
  resolveZeroPadding,
  toPair,
  windowOutputSize,
  type Padding4,
  type Pair,
} from './shapes.js';
import {
  channels,
  elementCount,
  sameShape,
  showShape,
  spatial,
  vector,
  type SpatialShape,
  type TensorShape,
  type VectorShape,
} from './tensor-shape.js';

/** One resolved input of a layer. */
export interface LayerInput {
  shape: TensorShape;
  /** How messages name it: `'conv2d_1'` or `the model input`. */
  label: string;
}

export interface LayerResult {
  outShape: TensorShape;
  /** Learnable parameters. */
  params: number;
  /** Batch-norm running mean + variance. */
  runningStats: number;
  macs: number;
  op: NormalizedOp;
}

/** Keras defaults for the activations that take a parameter. */
const DEFAULT_ALPHA: Partial<Record<Activation, number>> = { leakyRelu: 0.3, elu: 1.0 };

type Rule<T extends LayerType> = (layer: LayerSpecOf<T>, inputs: readonly LayerInput[], at: string) => LayerResult;

const RULES: { [T in LayerType]: Rule<T> } = {
  conv2d: conv2dRule,
  maxPool2d: (layer, inputs, at) => poolRule(layer, inputs, at),
  avgPool2d: (layer, inputs, at) => poolRule(layer, inputs, at),
  globalAvgPool2d: (layer, inputs, at) => globalPoolRule(layer, inputs, at),
  globalMaxPool2d: (layer, inputs, at) => globalPoolRule(layer, inputs, at),
  adaptiveAvgPool2d: adaptiveAvgPoolRule,
  zeroPadding2d: zeroPaddingRule,
  flatten: flattenRule,
  dense: denseRule,
  dropout: (layer, inputs) => passThrough(first(inputs).shape, { type: 'dropout', rate: layer.rate }),
  dropPath: (layer, inputs) => passThrough(first(inputs).shape, { type: 'dropPath', rate: layer.rate }),
  batchNorm: batchNormRule,
  activation: (layer, inputs, at) =>
    passThrough(first(inputs).shape, {
      type: 'activation',
      activation: layer.activation,
      alpha: resolveAlpha(layer.activation, layer.alpha, at),
    }),
  add: addRule,
  concat: concatRule,
  multiply: multiplyRule,
};

/** Applies the rule of `layer.type`. `at` is the layer's JSON path, e.g. `layers[2]`. */
export function applyLayerRule(layer: LayerSpec, inputs: readonly LayerInput[], at: string): LayerResult {
  const rule = RULES[layer.type] as Rule<LayerType>;
  return rule(layer as LayerSpecOf<LayerType>, inputs, at);
}

// ---- rules --------------------------------------------------------------------

function conv2dRule(layer: LayerSpecOf<'conv2d'>, inputs: readonly LayerInput[], at: string): LayerResult {
  const x = requireSpatial(layer.type, first(inputs), at);
  const kernel = toPair(layer.kernelSize);
  const stride = toPair(layer.strides);
  const dilation = toPair(layer.dilation);
  const { filters, groups, useBias } = layer;
  if (x.c % groups !== 0) {
    throw new CnnError(
      'SPEC_INVALID_ARGUMENT',
      `groups ${groups} must divide the ${x.c} input channels; use a divisor of ${x.c} (groups ${x.c} makes a depthwise conv)`,
      `${at}.groups`,
    );
  }
  if (filters % groups !== 0) {
    throw new CnnError(
      'SPEC_INVALID_ARGUMENT',
      `groups ${groups} must divide filters ${filters}; use a multiple of ${groups} filters`,
      `${at}.groups`,
    );
  }
  const padding = resolvePadding(layer.padding, [x.h, x.w], kernel, stride, dilation);
  const out = windowOutput(x, kernel, stride, padding, dilation, layer.padding, 'kernel', `${at}.kernelSize`);
  const counts = { kernel, inChannels: x.c, filters, groups };
  return {
    outShape: spatial(out[0], out[1], filters),
    params: conv2dParams({ ...counts, useBias }),
    runningStats: 0,
    macs: conv2dMacs(counts, out[0], out[1]),
    op: {
      type: 'conv2d',
      inChannels: x.c,
      filters,
      kernel: pair2(kernel),
      stride: pair2(stride),
      padding: pad4(padding),
      dilation: pair2(dilation),
      groups,
      useBias,
      activation: layer.activation,
      alpha: resolveAlpha(layer.activation, layer.alpha, at),
    },
  };
}

function poolRule(layer: LayerSpecOf<'maxPool2d' | 'avgPool2d'>, inputs: readonly LayerInput[], at: string): LayerResult {
  const x = requireSpatial(layer.type, first(inputs), at);
  const pool = toPair(layer.poolSize);
  const stride = layer.strides === undefined ? pool : toPair(layer.strides);
  const padding = resolvePadding(layer.padding, [x.h, x.w], pool, stride);
  // The addon hands symmetric padding to torch's pooling op, which allows at most half the window.
  if (typeof layer.padding !== 'string' && (padding[0] > Math.floor(pool[0] / 2) || padding[2] > Math.floor(pool[1] / 2))) {
    throw new CnnError(
      'SPEC_INVALID_ARGUMENT',
      `padding ${showPadding(layer.padding)} is more than half the ${pool[0]}x${pool[1]} pool; ` +
        `use at most ${Math.floor(pool[0] / 2)}x${Math.floor(pool[1] / 2)}, or 'same'`,
      `${at}.padding`,
    );
  }
  const { ceilMode } = layer;
  if (ceilMode && layer.padding === 'same') {
    throw new CnnError(
      'SPEC_INVALID_ARGUMENT',
      `ceilMode does not combine with 'same' padding, which already rounds the output up; ` +
        `use 'valid' or explicit padding with ceilMode, or drop ceilMode`,
      `${at}.ceilMode`,
    );
  }
  const out = windowOutput(x, pool, stride, padding, [1, 1], layer.padding, 'pool', `${at}.poolSize`, ceilMode);
  const outShape = spatial(out[0], out[1], x.c);
  const common = { pool: pair2(pool), stride: pair2(stride), padding: pad4(padding), ceilMode };
  if (layer.type === 'maxPool2d') return passThrough(outShape, { type: 'maxPool2d', ...common });
  // Keras `same` averages only over real pixels; explicit integer padding follows PyTorch (zeros count).
  const countIncludePad = layer.countIncludePad ?? typeof layer.padding !== 'string';
  return passThrough(outShape, { type: 'avgPool2d', ...common, countIncludePad });
}

function globalPoolRule(
  layer: LayerSpecOf<'globalAvgPool2d' | 'globalMaxPool2d'>,
  inputs: readonly LayerInput[],
  at: string,
): LayerResult {
  const x = requireSpatial(layer.type, first(inputs), at);
  return passThrough(vector(x.c), { type: layer.type });
}

function adaptiveAvgPoolRule(layer: LayerSpecOf<'adaptiveAvgPool2d'>, inputs: readonly LayerInput[], at: string): LayerResult {
  const x = requireSpatial(layer.type, first(inputs), at);
  const [h, w] = toPair(layer.outputSize);
  return passThrough(spatial(h, w, x.c), { type: 'adaptiveAvgPool2d', outputSize: [h, w] });
}

function zeroPaddingRule(layer: LayerSpecOf<'zeroPadding2d'>, inputs: readonly LayerInput[], at: string): LayerResult {
  const x = requireSpatial(layer.type, first(inputs), at);
  const p = resolveZeroPadding(layer.padding);
  return passThrough(spatial(x.h + p[0] + p[1], x.w + p[2] + p[3], x.c), { type: 'zeroPadding2d', padding: pad4(p) });
}

function flattenRule(_layer: LayerSpecOf<'flatten'>, inputs: readonly LayerInput[]): LayerResult {
  // C, H, W order (torch.flatten on NCHW); a vector passes through unchanged.
  return passThrough(vector(elementCount(first(inputs).shape)), { type: 'flatten' });
}

function denseRule(layer: LayerSpecOf<'dense'>, inputs: readonly LayerInput[], at: string): LayerResult {
  const x = requireVector(layer.type, first(inputs), at);
  const { units, useBias } = layer;
  return {
    outShape: vector(units),
    params: denseParams(x.n, units, useBias),
    runningStats: 0,
    macs: denseMacs(x.n, units),
    op: {
      type: 'dense',
      inFeatures: x.n,
      units,
      useBias,
      activation: layer.activation,
      alpha: resolveAlpha(layer.activation, layer.alpha, at),
    },
  };
}

function batchNormRule(layer: LayerSpecOf<'batchNorm'>, inputs: readonly LayerInput[], at: string): LayerResult {
  const x = first(inputs).shape;
  const features = channels(x);
  const { learnable, runningStats } = batchNormCounts(features);
  return {
    outShape: x,
    params: learnable,
    runningStats,
    macs: 0,
    op: {
      type: 'batchNorm',
      features,
      epsilon: layer.epsilon,
      momentum: kerasToTorchMomentum(layer.momentum),
      activation: layer.activation,
      alpha: resolveAlpha(layer.activation, layer.alpha, at),
    },
  };
}

function addRule(_layer: LayerSpecOf<'add'>, inputs: readonly LayerInput[], at: string): LayerResult {
  const a = first(inputs);
  for (const b of inputs.slice(1)) {
    if (!sameShape(a.shape, b.shape)) {
      throw new CnnError(
        'SPEC_SHAPE_MISMATCH',
        `add needs inputs of equal shape, but ${a.label} is ${showShape(a.shape)} and ${b.label} is ${showShape(b.shape)}`,
        `${at}.inputs`,
      );
    }
  }
  return passThrough(a.shape, { type: 'add' });
}

function concatRule(_layer: LayerSpecOf<'concat'>, inputs: readonly LayerInput[], at: string): LayerResult {
  const a = first(inputs);
  let total = channels(a.shape);
  for (const b of inputs.slice(1)) {
    const fits =
      a.shape.kind === 'spatial'
        ? b.shape.kind === 'spatial' && a.shape.h === b.shape.h && a.shape.w === b.shape.w
        : b.shape.kind === 'vector';
    if (!fits) {
      const need = a.shape.kind === 'spatial' ? 'the same height and width' : 'vector inputs';
      throw new CnnError(
        'SPEC_SHAPE_MISMATCH',
        `concat joins channels and needs ${need}, but ${a.label} is ${showShape(a.shape)} and ${b.label} is ${showShape(b.shape)}`,
        `${at}.inputs`,
      );
    }
    total += channels(b.shape);
  }
  const outShape = a.shape.kind === 'spatial' ? spatial(a.shape.h, a.shape.w, total) : vector(total);
  return passThrough(outShape, { type: 'concat' });
}

function multiplyRule(_layer: LayerSpecOf<'multiply'>, inputs: readonly LayerInput[], at: string): LayerResult {
  const a = first(inputs);
  const b = inputs[1] ?? a;
  let outShape: TensorShape | undefined;
  if (sameShape(a.shape, b.shape)) outShape = a.shape;
  else if (isChannelScale(a.shape, b.shape)) outShape = b.shape;
  else if (isChannelScale(b.shape, a.shape)) outShape = a.shape;
  if (!outShape) {
    throw new CnnError(
      'SPEC_SHAPE_MISMATCH',
      `multiply needs equal shapes or a [1, 1, C] input to scale the other's C channels, ` +
        `but ${a.label} is ${showShape(a.shape)} and ${b.label} is ${showShape(b.shape)}`,
      `${at}.inputs`,
    );
  }
  return passThrough(outShape, { type: 'multiply' });
}

// ---- helpers --------------------------------------------------------------------

/** True when `scale` is [1, 1, C] and `x` is [H, W, C]. */
function isChannelScale(scale: TensorShape, x: TensorShape): boolean {
  return scale.kind === 'spatial' && x.kind === 'spatial' && scale.h === 1 && scale.w === 1 && scale.c === x.c;
}

function passThrough(outShape: TensorShape, op: NormalizedOp): LayerResult {
  return { outShape, params: 0, runningStats: 0, macs: 0, op };
}

function first(inputs: readonly LayerInput[]): LayerInput {
  const x = inputs[0];
  if (!x) throw new CnnError('INTERNAL', 'a layer was resolved without inputs');
  return x;
}

function requireSpatial(type: LayerType, x: LayerInput, at: string): SpatialShape {
  if (x.shape.kind === 'spatial') return x.shape;
  throw new CnnError(
    'SPEC_RANK_MISMATCH',
    `${type} needs a spatial [H, W, C] input, but ${x.label} is a vector ${showShape(x.shape)}; ` +
      `move it before the flatten / global pooling / dense layers`,
    at,
  );
}

function requireVector(type: LayerType, x: LayerInput, at: string): VectorShape {
  if (x.shape.kind === 'vector') return x.shape;
  throw new CnnError(
    'SPEC_RANK_MISMATCH',
    `${type} needs a vector input, but ${x.label} is spatial ${showShape(x.shape)}; add flatten or globalAvgPool2d before it`,
    at,
  );
}

/** Output [h, w] of a window op, or SPEC_NONPOSITIVE_DIM naming the window that does not fit. */
function windowOutput(
  x: SpatialShape,
  kernel: Pair,
  stride: Pair,
  padding: Padding4,
  dilation: Pair,
  paddingSpec: PaddingSpec,
  what: 'kernel' | 'pool',
  path: string,
  ceilMode = false,
): Pair {
  const size = (axis: 0 | 1, input: number, before: number, after: number): number =>
    what === 'pool'
      ? poolOutputSize(input, kernel[axis], stride[axis], before, after, ceilMode)
      : windowOutputSize(input, kernel[axis], stride[axis], before, after, dilation[axis]);
  const h = size(0, x.h, padding[0], padding[1]);
  const w = size(1, x.w, padding[2], padding[3]);
  if (h >= 1 && w >= 1) return [h, w];
  const dilated = dilation[0] !== 1 || dilation[1] !== 1;
  const eff = `${effectiveKernel(kernel[0], dilation[0])}x${effectiveKernel(kernel[1], dilation[1])}`;
  const window = `${what} ${kernel[0]}x${kernel[1]}${dilated ? ` with dilation ${dilation[0]}x${dilation[1]} (effective ${eff})` : ''}`;
  const padded = padding.some((p) => p !== 0)
    ? `; padded input ${x.h + padding[0] + padding[1]}x${x.w + padding[2] + padding[3]}`
    : '';
  throw new CnnError(
    'SPEC_NONPOSITIVE_DIM',
    `${window} is larger than its ${x.h}x${x.w} input (padding ${showPadding(paddingSpec)}${padded}); ` +
      `use a smaller ${what}, 'same' padding, or remove a downsampling layer before it`,
    path,
  );
}

function showPadding(p: PaddingSpec): string {
  return typeof p === 'string' ? `'${p}'` : typeof p === 'number' ? String(p) : `[${p.join(', ')}]`;
}

function resolveAlpha(activation: Activation, alpha: number | undefined, at: string): number {
  const fallback = DEFAULT_ALPHA[activation];
  if (fallback === undefined) {
    if (alpha !== undefined) {
      throw new CnnError(
        'SPEC_INVALID_ARGUMENT',
        `alpha applies only to leakyRelu and elu, not ${activation}; remove it`,
        `${at}.alpha`,
      );
    }
    return 0;
  }
  return alpha ?? fallback;
}

/** Keras momentum weights the old statistic, PyTorch's the new one; rounded to drop float noise (1 - 0.99). */
export function kerasToTorchMomentum(kerasMomentum: number): number {
  return Number((1 - kerasMomentum).toPrecision(12));
}

function pair2(p: Pair): Pair2 {
  return [p[0], p[1]];
}

function pad4(p: Padding4): Padding4Array {
  return [p[0], p[1], p[2], p[3]];
}
