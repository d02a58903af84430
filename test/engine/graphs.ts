/**
 * Hand-written normalized graphs (native/GRAPH.md) for the engine tests, so
 * they depend on nothing but the contract.
 */
import type { EngineActivation, NormalizedGraph, NormalizedLayer, Padding, Pair } from '../../src/engine/graph.js';

type Extra = Partial<{ stride: Pair; padding: Padding; dilation: Pair; groups: number; useBias: boolean; activation: EngineActivation; alpha: number; trainable: boolean }>;

export function conv(name: string, input: number, inChannels: number, filters: number, kernel: number, outShape: number[], extra: Extra = {}): NormalizedLayer {
  const pad = (kernel - 1) / 2;
  return {
    name,
    type: 'conv2d',
    inputs: [input],
    outShape,
    trainable: extra.trainable ?? true,
    inChannels,
    filters,
    kernel: [kernel, kernel],
    stride: extra.stride ?? [1, 1],
    padding: extra.padding ?? [pad, pad, pad, pad],
    dilation: extra.dilation ?? [1, 1],
    groups: extra.groups ?? 1,
    useBias: extra.useBias ?? true,
    activation: extra.activation ?? 'linear',
    alpha: extra.alpha ?? 0,
  };
}

export function dense(name: string, input: number, inFeatures: number, units: number, activation: EngineActivation = 'linear', trainable = true): NormalizedLayer {
  return { name, type: 'dense', inputs: [input], outShape: [units], trainable, inFeatures, units, useBias: true, activation, alpha: 0 };
}

export function batchNorm(name: string, input: number, shape: number[], activation: EngineActivation = 'linear', trainable = true): NormalizedLayer {
  return { name, type: 'batchNorm', inputs: [input], outShape: shape, trainable, features: shape[0]!, epsilon: 1e-5, momentum: 0.1, activation, alpha: 0 };
}

export function maxPool(name: string, input: number, outShape: number[], size = 2): NormalizedLayer {
  return { name, type: 'maxPool2d', inputs: [input], outShape, trainable: true, pool: [size, size], stride: [size, size], padding: [0, 0, 0, 0], ceilMode: false };
}

export function flatten(name: string, input: number, outShape: number[]): NormalizedLayer {
  return { name, type: 'flatten', inputs: [input], outShape, trainable: true };
}

/** The tutorial's MNIST CNN; the final softmax is folded into outputSoftmax. */
export function mnistCnn(): NormalizedGraph {
  return {
    input: { shape: [1, 28, 28] },
    layers: [
      conv('conv1', -1, 1, 32, 3, [32, 28, 28], { activation: 'relu' }),
      maxPool('pool1', 0, [32, 14, 14]),
      conv('conv2', 1, 32, 64, 3, [64, 14, 14], { activation: 'relu' }),
      maxPool('pool2', 2, [64, 7, 7]),
      flatten('flatten', 3, [3136]),
      dense('fc1', 4, 3136, 128, 'relu'),
      dense('fc2', 5, 128, 10),
    ],
    output: 6,
    outputSoftmax: true,
  };
}

/**
 * A small net with batch norm, a residual add and an inception-style concat:
 *
 *   stem   conv 3x3 1->8, no bias     72
 *   bn1    BN(8), relu                16 params + 16 running stats
 *   a      conv 3x3 8->8, no bias     576
 *   bnA    BN(8)                      16 + 16
 *   res    add(bn1, bnA)
 *   b1     conv 1x1 8->4 (bias)       36
 *   b3     conv 3x3 8->4 (bias)       292
 *   cat    concat(b1, b3) -> 8
 *   gap    global average pool -> [8]
 *   head   dense 8->10                90
 *
 * parameters 72+16+576+16+36+292+90 = 1,098; running stats 32.
 */
export function bnResidualConcat(opts: { frozenStem?: boolean } = {}): NormalizedGraph {
  const frozen = opts.frozenStem ?? false;
  return {
    input: { shape: [1, 12, 12] },
    layers: [
      conv('stem', -1, 1, 8, 3, [8, 12, 12], { useBias: false, trainable: !frozen }),
      batchNorm('bn1', 0, [8, 12, 12], 'relu', !frozen),
      conv('a', 1, 8, 8, 3, [8, 12, 12], { useBias: false }),
      batchNorm('bnA', 2, [8, 12, 12]),
      { name: 'res', type: 'add', inputs: [1, 3], outShape: [8, 12, 12], trainable: true },
      conv('b1', 4, 8, 4, 1, [4, 12, 12], { activation: 'relu' }),
      conv('b3', 4, 8, 4, 3, [4, 12, 12], { activation: 'relu' }),
      { name: 'cat', type: 'concat', inputs: [5, 6], outShape: [8, 12, 12], trainable: true },
      { name: 'gap', type: 'globalAvgPool2d', inputs: [7], outShape: [8], trainable: true },
      dense('head', 8, 8, 10),
    ],
    output: 9,
    outputSoftmax: true,
  };
}

export const BN_RESIDUAL_CONCAT_COUNTS = { total: 1098, buffers: 32, frozenStem: 72 + 16 };
