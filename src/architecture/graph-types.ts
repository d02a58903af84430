/**
 * Types of the normalized graph the native addon receives (native/GRAPH.md).
 * Shapes are PyTorch order: [C, H, W] or [N]; every default is filled in;
 * inputs are indices of earlier layers, -1 being the model input.
 */
import type { Activation } from './schema.js';

export type { Activation };

/** [h, w] */
export type Pair2 = [number, number];
/** [top, bottom, left, right] */
export type Padding4Array = [number, number, number, number];

/** The type-specific part of a normalized layer. */
export type NormalizedOp =
  | {
      type: 'conv2d';
      inChannels: number;
      filters: number;
      kernel: Pair2;
      stride: Pair2;
      padding: Padding4Array;
      dilation: Pair2;
      groups: number;
      useBias: boolean;
      activation: Activation;
      alpha: number;
    }
  | { type: 'dense'; inFeatures: number; units: number; useBias: boolean; activation: Activation; alpha: number }
  | {
      type: 'batchNorm';
      features: number;
      epsilon: number;
      /** PyTorch meaning: weight of the new batch statistic (1 - Keras momentum). */
      momentum: number;
      activation: Activation;
      alpha: number;
    }
  | { type: 'maxPool2d'; pool: Pair2; stride: Pair2; padding: Padding4Array; ceilMode: boolean }
  | {
      type: 'avgPool2d';
      pool: Pair2;
      stride: Pair2;
      padding: Padding4Array;
      ceilMode: boolean;
      countIncludePad: boolean;
    }
  | { type: 'globalAvgPool2d' }
  | { type: 'globalMaxPool2d' }
  | { type: 'adaptiveAvgPool2d'; outputSize: Pair2 }
  | { type: 'zeroPadding2d'; padding: Padding4Array }
  | { type: 'flatten' }
  | { type: 'dropout'; rate: number }
  | { type: 'dropPath'; rate: number }
  | { type: 'activation'; activation: Activation; alpha: number }
  | { type: 'add' }
  | { type: 'concat' }
  | { type: 'multiply' };

export type NormalizedLayerType = NormalizedOp['type'];

export interface NormalizedLayerBase {
  /** Unique; tensor names are `name + ".weight"` etc. */
  name: string;
  /** Indices of earlier layers; -1 is the model input. */
  inputs: number[];
  /** Output shape without batch: [C, H, W] or [N]. */
  outShape: number[];
  /** false: no gradients, batch norm in inference mode. */
  trainable: boolean;
}

export type NormalizedLayer = NormalizedLayerBase & NormalizedOp;

export interface NormalizedGraph {
  /** [C, H, W] */
  input: { shape: [number, number, number] };
  layers: NormalizedLayer[];
  /** Index of the layer whose output is the model output. */
  output: number;
  /** The spec ended in softmax; the graph itself yields logits. */
  outputSoftmax: boolean;
}
