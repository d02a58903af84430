/**
 * Pure parameter and MAC (multiply-accumulate) counts per layer, as in the
 * tutorial's section 5: conv = (kh * kw * inC / groups + bias) * filters,
 * dense = in * units + bias. MACs count only conv and dense products, per image.
 */

export interface ConvCountArgs {
  kernel: readonly [number, number];
  inChannels: number;
  filters: number;
  groups: number;
  useBias: boolean;
}

/** Learnable parameters of a conv2d: weight [filters, inC/groups, kh, kw] + bias [filters]. */
export function conv2dParams({ kernel, inChannels, filters, groups, useBias }: ConvCountArgs): number {
  return kernel[0] * kernel[1] * (inChannels / groups) * filters + (useBias ? filters : 0);
}

/** MACs of a conv2d for one image producing outH x outW x filters. */
export function conv2dMacs(args: Omit<ConvCountArgs, 'useBias'>, outH: number, outW: number): number {
  const { kernel, inChannels, filters, groups } = args;
  return outH * outW * filters * kernel[0] * kernel[1] * (inChannels / groups);
}

/** Learnable parameters of a dense layer: weight [units, in] + bias [units]. */
export function denseParams(inFeatures: number, units: number, useBias: boolean): number {
  return inFeatures * units + (useBias ? units : 0);
}

export function denseMacs(inFeatures: number, units: number): number {
  return inFeatures * units;
}

/**
 * Batch norm: gamma and beta are learnable; running mean and variance are
 * buffers (Keras counts them as "non-trainable params"; the int64
 * num_batches_tracked counter is counted by neither).
 */
export function batchNormCounts(features: number): { learnable: number; runningStats: number } {
  return { learnable: 2 * features, runningStats: 2 * features };
}
