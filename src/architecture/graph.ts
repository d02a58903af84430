/**
 * Lowering of a resolved model to the normalized graph of native/GRAPH.md:
 * PyTorch [C, H, W] shapes, input indices, every default explicit, and a
 * final softmax replaced by `linear` with `outputSoftmax: true`.
 */
import type { NormalizedGraph, NormalizedLayer, NormalizedOp } from './graph-types.js';
import type { ResolvedModel } from './infer.js';
import { toTorchOrder } from './tensor-shape.js';

export function buildGraph(model: ResolvedModel): NormalizedGraph {
  const layers = model.layers.map((layer): NormalizedLayer => {
    const op = layer.index === model.output && model.outputSoftmax ? stripSoftmax(layer.op) : layer.op;
    return {
      name: layer.name,
      inputs: [...layer.inputs],
      outShape: toTorchOrder(layer.outShape),
      trainable: layer.trainable,
      ...op,
    };
  });
  const [c, h, w] = toTorchOrder(model.inputShape);
  return {
    input: { shape: [c!, h!, w!] },
    layers,
    output: model.output,
    outputSoftmax: model.outputSoftmax,
  };
}

/** The graph yields logits: training uses cross-entropy on them, prediction applies the softmax. */
function stripSoftmax(op: NormalizedOp): NormalizedOp {
  return 'activation' in op && op.activation === 'softmax' ? { ...op, activation: 'linear' } : op;
}
