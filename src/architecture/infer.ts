/**
 * Graph resolution and inference over a parsed spec: names and ids, `inputs`
 * to indices, then shape / parameter / MAC inference layer by layer, with the
 * whole-model checks (softmax placement, unused layers, parameter cap).
 *
 * The result feeds both the summary (Keras order) and the normalized graph.
 */
import { CnnError } from '../errors.js';
import type { NormalizedOp } from './graph-types.js';
import { applyLayerRule, type LayerInput } from './layer-rules.js';
import { assignIdentities } from './names.js';
import { MODEL_INPUT_ID, type LayerSpec, type LayerType, type ModelSpec } from './schema.js';
import { spatial, type TensorShape } from './tensor-shape.js';

/** Default parameter cap: far above the classic zoo (VGG16: 138M), below what a single host can train. */
export const DEFAULT_MAX_PARAMS = 200_000_000;

export interface InferOptions {
  /** Largest number of learnable parameters allowed; default DEFAULT_MAX_PARAMS. */
  maxParams?: number;
}

/** The index by which layers refer to the model input. */
export const MODEL_INPUT_INDEX = -1;

export interface ResolvedLayer {
  index: number;
  name: string;
  id: string;
  type: LayerType;
  /** Indices of input layers; MODEL_INPUT_INDEX for the model input. */
  inputs: number[];
  outShape: TensorShape;
  trainable: boolean;
  params: number;
  runningStats: number;
  macs: number;
  op: NormalizedOp;
}

export interface ResolvedModel {
  spec: ModelSpec;
  inputShape: TensorShape;
  layers: ResolvedLayer[];
  /** Index of the output layer (always the last). */
  output: number;
  /** The last layer's activation is softmax. */
  outputSoftmax: boolean;
}

/** Resolves and infers a parsed spec; throws CnnError (SPEC_*) naming the offending field. */
export function resolveModel(spec: ModelSpec, opts: InferOptions = {}): ResolvedModel {
  const maxParams = opts.maxParams ?? DEFAULT_MAX_PARAMS;
  const identities = assignIdentities(spec.layers);
  const indexById = new Map(identities.map((ident, i) => [ident.id, i] as const));
  const inputShape = spatial(spec.input.shape[0], spec.input.shape[1], spec.input.shape[2]);
  const last = spec.layers.length - 1;
  const resolved: ResolvedLayer[] = [];
  let totalParams = 0;

  spec.layers.forEach((layer, i) => {
    const at = `layers[${i}]`;
    const identity = identities[i]!;
    checkSoftmaxPlacement(layer, i, last);
    const inputs = resolveInputs(layer, i, indexById);
    const inputInfos: LayerInput[] = inputs.map((j) =>
      j === MODEL_INPUT_INDEX
        ? { shape: inputShape, label: 'the model input' }
        : { shape: resolved[j]!.outShape, label: `'${resolved[j]!.name}'` },
    );
    const result = applyLayerRule(layer, inputInfos, at);
    totalParams += result.params;
    if (totalParams > maxParams) {
      throw new CnnError(
        'SPEC_TOO_LARGE',
        `the model reaches ${formatCount(totalParams)} parameters at '${identity.name}', over the cap of ` +
          `${formatCount(maxParams)}; use fewer filters/units or downsample before flatten`,
        at,
        { maxParams, params: totalParams },
      );
    }
    resolved.push({ index: i, ...identity, type: layer.type, inputs, trainable: layer.trainable, ...result });
  });

  checkAllUsed(resolved);
  const lastLayer = spec.layers[last]!;
  return {
    spec,
    inputShape,
    layers: resolved,
    output: last,
    outputSoftmax: 'activation' in lastLayer && lastLayer.activation === 'softmax',
  };
}

/** `inputs` ids → indices; the default is the previous layer (or the model input for the first). */
function resolveInputs(layer: LayerSpec, i: number, indexById: ReadonlyMap<string, number>): number[] {
  if (layer.inputs === undefined) return [i - 1]; // i = 0 gives MODEL_INPUT_INDEX
  return layer.inputs.map((ref, k) => {
    const path = `layers[${i}].inputs[${k}]`;
    if (ref === MODEL_INPUT_ID) return MODEL_INPUT_INDEX;
    const j = indexById.get(ref);
    if (j === undefined) {
      const earlier = [...indexById].filter(([, idx]) => idx < i).map(([id]) => id);
      const shown = [MODEL_INPUT_ID, ...earlier.slice(-8)].map((id) => `'${id}'`).join(', ');
      throw new CnnError('SPEC_UNKNOWN_INPUT', `no layer has id '${ref}'; earlier ids include ${shown}`, path);
    }
    if (j === i) {
      throw new CnnError('SPEC_CYCLE', `layer '${ref}' lists itself as an input, which would make a cycle`, path);
    }
    if (j > i) {
      throw new CnnError(
        'SPEC_CYCLE',
        `'${ref}' is layers[${j}], which runs after this layer; layers run in order, so inputs must name ` +
          `earlier layers (a forward reference would make a cycle)`,
        path,
      );
    }
    return j;
  });
}

function checkSoftmaxPlacement(layer: LayerSpec, i: number, last: number): void {
  if (i !== last && 'activation' in layer && layer.activation === 'softmax') {
    throw new CnnError(
      'SPEC_SOFTMAX_NOT_LAST',
      `softmax may only be the activation of the last layer (layers[${last}]); use another activation here`,
      `layers[${i}].activation`,
    );
  }
}

/** Every layer but the output must feed a later one: a dead branch is a mistake, not a model. */
function checkAllUsed(layers: readonly ResolvedLayer[]): void {
  const used = new Set<number>();
  for (const layer of layers) for (const j of layer.inputs) used.add(j);
  for (const layer of layers.slice(0, -1)) {
    if (!used.has(layer.index)) {
      throw new CnnError(
        'SPEC_UNUSED_LAYER',
        `'${layer.name}' feeds no later layer, so it cannot reach the model output (the last layer); ` +
          `remove it or list its id in a later layer's inputs`,
        `layers[${layer.index}]`,
      );
    }
  }
}

/** 421642 → `421,642` */
export function formatCount(n: number): string {
  const [int, frac] = String(n).split('.');
  const grouped = (int ?? '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}
