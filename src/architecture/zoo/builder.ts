/**
 * A small builder the zoo models use to write ordinary specs: layers are
 * named like torchvision's modules (so tensor names equal its state_dict keys),
 * each name doubles as the layer's id, and `inputs` is written only where a
 * layer does not simply follow the previous one.
 */
import type { Activation } from '../graph-types.js';
import { MODEL_INPUT_ID, type LayerSpecInput, type ModelSpecInput } from '../schema.js';

/** Batch-norm settings in torch terms (what the reference module passes to nn.BatchNorm2d). */
export interface TorchBatchNorm {
  eps: number;
  /** Torch meaning: weight of the new batch statistic. */
  momentum: number;
}

/** nn.BatchNorm2d's defaults. */
export const TORCH_BN: TorchBatchNorm = { eps: 1e-5, momentum: 0.1 };

export interface ConvOptions {
  filters: number;
  kernel: number | [number, number];
  stride?: number;
  /** Symmetric zero padding, as torch's `padding=` (n or [h, w]). */
  padding?: number | [number, number];
  groups?: number;
  bias?: boolean;
  activation?: Activation;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type SingleInputLayer = DistributiveOmit<Exclude<LayerSpecInput, { type: MergeType }>, 'name' | 'inputs' | 'id'>;
type MergeType = 'add' | 'concat' | 'multiply';

export class SpecBuilder {
  private readonly layers: LayerSpecInput[] = [];
  private lastId: string = MODEL_INPUT_ID;

  /** Id of the last layer added (the model input before any). */
  get last(): string {
    return this.lastId;
  }

  /** Appends a one-input layer fed by `from` (default: the last layer); returns its name, also its id. */
  layer(name: string, layer: SingleInputLayer, from: string = this.lastId): string {
    const { type, ...rest } = layer;
    const inputs = from === this.lastId ? {} : { inputs: [from] };
    this.layers.push({ type, name, ...inputs, ...rest } as LayerSpecInput);
    this.lastId = name;
    return name;
  }

  /** Appends an add / concat / multiply of `inputs`, in that order. */
  merge(name: string, type: MergeType, inputs: readonly string[]): string {
    this.layers.push({ type, name, inputs: [...inputs] });
    this.lastId = name;
    return name;
  }

  conv(name: string, opts: ConvOptions, from?: string): string {
    const padding = opts.padding ?? 0;
    return this.layer(
      name,
      {
        type: 'conv2d',
        filters: opts.filters,
        kernelSize: opts.kernel,
        ...(opts.stride !== undefined && opts.stride !== 1 ? { strides: opts.stride } : {}),
        ...(padding !== 0 ? { padding } : {}),
        ...(opts.groups !== undefined && opts.groups !== 1 ? { groups: opts.groups } : {}),
        ...(opts.bias === false ? { useBias: false } : {}),
        ...(opts.activation !== undefined && opts.activation !== 'linear' ? { activation: opts.activation } : {}),
      },
      from,
    );
  }

  /** Batch norm with torch's eps and momentum (converted to the spec's Keras momentum). */
  batchNorm(name: string, bn: TorchBatchNorm, activation: Activation = 'linear', from?: string): string {
    return this.layer(
      name,
      {
        type: 'batchNorm',
        epsilon: bn.eps,
        momentum: kerasMomentum(bn.momentum),
        ...(activation !== 'linear' ? { activation } : {}),
      },
      from,
    );
  }

  /** conv (no bias) + batch norm + activation: torchvision's Conv2dNormActivation / BasicConv2d. */
  convBn(
    convName: string,
    bnName: string,
    opts: Omit<ConvOptions, 'bias' | 'activation'>,
    bn: TorchBatchNorm,
    activation: Activation,
    from?: string,
  ): string {
    this.conv(convName, { ...opts, bias: false }, from);
    return this.batchNorm(bnName, bn, activation);
  }

  dense(name: string, units: number, activation: Activation = 'linear', from?: string): string {
    return this.layer(name, { type: 'dense', units, ...(activation !== 'linear' ? { activation } : {}) }, from);
  }

  dropout(name: string, rate: number, from?: string): string {
    return this.layer(name, { type: 'dropout', rate }, from);
  }

  maxPool(name: string, pool: number, stride: number, padding = 0, ceilMode = false, from?: string): string {
    return this.layer(name, poolLayer('maxPool2d', pool, stride, padding, ceilMode), from);
  }

  /** Average pool; torch's default count_include_pad = True is the spec's default for explicit padding. */
  avgPool(name: string, pool: number, stride: number, padding = 0, from?: string): string {
    return this.layer(name, poolLayer('avgPool2d', pool, stride, padding, false), from);
  }

  build(name: string, inputShape: readonly [number, number, number]): ModelSpecInput {
    return { name, input: { shape: [inputShape[0], inputShape[1], inputShape[2]] }, layers: [...this.layers] };
  }
}

function poolLayer(type: 'maxPool2d' | 'avgPool2d', pool: number, stride: number, padding: number, ceilMode: boolean) {
  return {
    type,
    poolSize: pool,
    ...(stride !== pool ? { strides: stride } : {}),
    ...(padding !== 0 ? { padding } : {}),
    ...(ceilMode ? { ceilMode } : {}),
  };
}

/** Torch momentum (weight of the new statistic) → Keras momentum (weight of the old one): 0.1 → 0.9. */
export function kerasMomentum(torchMomentum: number): number {
  return Number((1 - torchMomentum).toPrecision(12));
}

/**
 * Below this height or width, models whose stem downsamples aggressively
 * (ResNet, GoogLeNet, AlexNet, MobileNetV2, EfficientNet) switch to a stride-1
 * stem, as is customary for CIFAR / MNIST-size images.
 */
export const SMALL_INPUT_PX = 64;

/** True when the input's height or width is below `px`. */
export function smallerThan(inputShape: readonly [number, number, number], px: number): boolean {
  return Math.min(inputShape[0], inputShape[1]) < px;
}
