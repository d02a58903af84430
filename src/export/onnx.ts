/**
 * ONNX export of a model: its normalized graph and weights as an ONNX file
 * (opset 17, IR 8) that takes what a client has and gives what predict gives.
 *
 * - `nhwc-raw` (default): input `image`, float32 [N, H, W, C] raw 0–255
 *   pixels; the model's own preprocessing (scale, mean/std, the transpose to
 *   NCHW) is inside the graph, exactly as the engine normalizes.
 * - `nchw-normalized`: input `image`, float32 [N, C, H, W], already normalized
 *   (torchvision style).
 * Outputs `logits` and `probabilities` [N, K]; the batch dimension is symbolic.
 * `metadata_props` carries the class names, the preprocessing, the input
 * layout, the spec's SHA-256 and the model id.
 */
import type { NormalizedGraph } from '../architecture/graph-types.js';
import { DT, OnnxBuilder } from './onnx-builder.js';
import { normalizationConstants } from './normalize.js';
import { emitLayer, type WeightSource } from './onnx-ops.js';

export type InputLayout = 'nhwc-raw' | 'nchw-normalized';

export interface OnnxPreprocessing {
  inputShape: [number, number, number];
  scale: number;
  mean: number[];
  std: number[];
  resize?: string;
}

export interface OnnxExportInput {
  graph: NormalizedGraph;
  weights: WeightSource;
  classes: string[];
  preprocessing: OnnxPreprocessing;
  layout: InputLayout;
  modelId: string;
  specSha256: string;
  producerVersion: string;
}

export function exportOnnx(input: OnnxExportInput): Uint8Array {
  const { graph, layout } = input;
  const b = new OnnxBuilder();
  const [c, h, w] = graph.input.shape;
  let x: string;
  if (layout === 'nhwc-raw') {
    const image = b.input('image', { elemType: DT.FLOAT, shape: ['N', h, w, c] });
    const k = normalizationConstants(input.preprocessing, c);
    const scaled = b.node('Mul', [image, b.floats('preprocess.scale', [c], k.mul)], 'preprocess.scaled');
    const shifted = b.node('Add', [scaled, b.floats('preprocess.shift', [c], k.add)], 'preprocess.normalized');
    x = b.node('Transpose', [shifted], 'preprocess.nchw', { perm: [0, 3, 1, 2] });
  } else {
    x = b.input('image', { elemType: DT.FLOAT, shape: ['N', c, h, w] });
  }

  const outs: string[] = [];
  for (const layer of graph.layers) {
    const inputs = layer.inputs.map((i) => (i < 0 ? x : outs[i]!));
    const inShapes = layer.inputs.map((i) => (i < 0 ? graph.input.shape : graph.layers[i]!.outShape));
    outs.push(emitLayer({ b, weights: input.weights, inShapes }, layer, inputs));
  }
  let logits = outs[graph.output]!;
  // A model whose output layer passes its input through (dropout last) still needs a node named `logits`.
  if (logits === x || graph.layers.some((l, i) => i !== graph.output && outs[i] === logits)) logits = b.node('Identity', [logits], 'logits_value');
  b.rename(logits, 'logits');
  b.node('Softmax', ['logits'], 'probabilities', { axis: 1 });
  const k = graph.layers[graph.output]!.outShape[0]!;
  b.output('logits', { elemType: DT.FLOAT, shape: ['N', k] });
  b.output('probabilities', { elemType: DT.FLOAT, shape: ['N', k] });

  return b.encode({
    graphName: input.modelId,
    producer: 'cnn-trainer',
    producerVersion: input.producerVersion,
    docString: `model ${input.modelId}: ${input.classes.length} classes, input ${layout}`,
    props: {
      classes: JSON.stringify(input.classes),
      preprocessing: JSON.stringify(input.preprocessing),
      input_layout: layout,
      spec_sha256: input.specSha256,
      model_id: input.modelId,
    },
  });
}
