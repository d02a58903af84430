/**
 * The normalized graph the native addon receives, typed exactly as
 * native/GRAPH.md describes it. The spec layer produces a value of the same
 * shape with its own type; the two meet structurally, so the spec never
 * imports the engine.
 */

export type EngineActivation =
  | 'linear'
  | 'relu'
  | 'relu6'
  | 'sigmoid'
  | 'tanh'
  | 'softmax'
  | 'silu'
  | 'gelu'
  | 'leakyRelu'
  | 'elu'
  | 'hardSwish'
  | 'hardSigmoid';

/** [h, w] */
export type Pair = [number, number];
/** [top, bottom, left, right] */
export type Padding = [number, number, number, number];

/** The type-specific fields of a layer (all present: the addon fills in no defaults). */
export type LayerOp =
  | {
      type: 'conv2d';
      inChannels: number;
      filters: number;
      kernel: Pair;
      stride: Pair;
      padding: Padding;
      dilation: Pair;
      groups: number;
      useBias: boolean;
      activation: EngineActivation;
      /** Slope of leakyRelu, scale of elu. */
      alpha: number;
    }
  | { type: 'dense'; inFeatures: number; units: number; useBias: boolean; activation: EngineActivation; alpha: number }
  | {
      type: 'batchNorm';
      features: number;
      epsilon: number;
      /** PyTorch meaning: the weight of the new batch statistic. */
      momentum: number;
      activation: EngineActivation;
      alpha: number;
    }
  | { type: 'maxPool2d'; pool: Pair; stride: Pair; padding: Padding; ceilMode: boolean }
  | { type: 'avgPool2d'; pool: Pair; stride: Pair; padding: Padding; ceilMode: boolean; countIncludePad: boolean }
  | { type: 'globalAvgPool2d' }
  | { type: 'globalMaxPool2d' }
  | { type: 'adaptiveAvgPool2d'; outputSize: Pair }
  | { type: 'zeroPadding2d'; padding: Padding }
  | { type: 'flatten' }
  | { type: 'dropout'; rate: number }
  | { type: 'dropPath'; rate: number }
  | { type: 'activation'; activation: EngineActivation; alpha: number }
  | { type: 'add' }
  | { type: 'concat' }
  | { type: 'multiply' };

export type LayerType = LayerOp['type'];

export interface LayerCommon {
  /** Unique; may contain dots. Tensor names are `name + ".weight"` etc. (torchvision state_dict keys). */
  name: string;
  /** Indices of earlier layers; -1 is the model input. */
  inputs: number[];
  /** Output shape without the batch dimension: [C, H, W] or [N]. */
  outShape: number[];
  /** false: no gradients, and batch norm runs in inference mode. */
  trainable: boolean;
}

export type NormalizedLayer = LayerCommon & LayerOp;

export interface NormalizedGraph {
  /** [C, H, W] */
  input: { shape: [number, number, number] };
  /** In execution order. */
  layers: NormalizedLayer[];
  /** Index of the layer whose output is the model output. */
  output: number;
  /** The spec ended in softmax: predictions apply it; the graph itself yields logits. */
  outputSoftmax: boolean;
}
