/**
 * The model summary: per-layer output shapes (Keras order), parameter and MAC
 * counts, and totals split the ways Keras and PyTorch users expect.
 */
import type { ResolvedModel } from './infer.js';
import type { LayerType } from './schema.js';
import { toKerasOrder } from './tensor-shape.js';

export interface SummaryRow {
  name: string;
  id: string;
  type: LayerType;
  /** [H, W, C] or [units], without batch. */
  outputShape: number[];
  /** Learnable parameters (weights, biases, batch-norm gamma/beta). */
  params: number;
  /** Learnable parameters of a trainable layer; 0 when the layer is frozen. */
  trainableParams: number;
  /** Batch-norm running mean + variance (buffers, not learnable). */
  bnRunningStats: number;
  /** Multiply-accumulates per image (conv and dense only). */
  macs: number;
  /** Names of the input layers; `input` is the model input. */
  inputs: string[];
}

export interface SummaryTotals {
  /** Learnable parameters, frozen or not (what the tutorial's tables count). */
  totalParams: number;
  trainableParams: number;
  /** Learnable parameters of frozen layers. */
  frozenParams: number;
  /** Batch-norm running mean + variance. */
  bnRunningStats: number;
  /** What Keras reports as "Non-trainable params": frozenParams + bnRunningStats. */
  kerasNonTrainable: number;
  /** Multiply-accumulates per image. */
  macs: number;
}

export interface Summary {
  name?: string;
  /** [H, W, C] */
  inputShape: number[];
  /** Shape of the model output (the last layer). */
  outputShape: number[];
  /** The last layer ends in softmax. */
  outputSoftmax: boolean;
  layers: SummaryRow[];
  totals: SummaryTotals;
}

export function buildSummary(model: ResolvedModel): Summary {
  const nameOf = (j: number): string => (j < 0 ? 'input' : model.layers[j]!.name);
  const layers = model.layers.map(
    (layer): SummaryRow => ({
      name: layer.name,
      id: layer.id,
      type: layer.type,
      outputShape: toKerasOrder(layer.outShape),
      params: layer.params,
      trainableParams: layer.trainable ? layer.params : 0,
      bnRunningStats: layer.runningStats,
      macs: layer.macs,
      inputs: layer.inputs.map(nameOf),
    }),
  );
  const sum = (pick: (r: SummaryRow) => number): number => layers.reduce((acc, r) => acc + pick(r), 0);
  const totalParams = sum((r) => r.params);
  const trainableParams = sum((r) => r.trainableParams);
  const bnRunningStats = sum((r) => r.bnRunningStats);
  const frozenParams = totalParams - trainableParams;
  return {
    ...(model.spec.name !== undefined ? { name: model.spec.name } : {}),
    inputShape: toKerasOrder(model.inputShape),
    outputShape: layers[model.output]!.outputShape,
    outputSoftmax: model.outputSoftmax,
    layers,
    totals: {
      totalParams,
      trainableParams,
      frozenParams,
      bnRunningStats,
      kerasNonTrainable: frozenParams + bnRunningStats,
      macs: sum((r) => r.macs),
    },
  };
}
