/**
 * Public API of the architecture-spec layer. Pure TypeScript: validates a
 * Keras-like spec, infers shapes and parameter counts, renders the summary,
 * and lowers the spec to the normalized graph the native addon builds.
 */
import type { NormalizedGraph } from './graph-types.js';
import { buildGraph } from './graph.js';
import { resolveModel, type InferOptions } from './infer.js';
import type { ModelSpec } from './schema.js';
import { buildSummary, type Summary } from './summary.js';
import { parseSpec } from './validate.js';
import { isCnnError } from '../errors.js';

export type CompileOptions = InferOptions;

export interface CompiledSpec {
  /** The validated spec with its static defaults filled in. */
  spec: ModelSpec;
  summary: Summary;
  graph: NormalizedGraph;
}

/** Validates, infers and lowers a raw spec or zoo reference; throws CnnError (SPEC_*) naming the offending field. */
export function compileSpec(input: unknown, opts: CompileOptions = {}): CompiledSpec {
  const model = resolveModel(parseSpec(input), opts);
  return { spec: model.spec, summary: buildSummary(model), graph: buildGraph(model) };
}

/** Compiles a spec nested in a request, so its errors carry the full path (`model.spec.layers[2]…`). */
export function compileNested(input: unknown, at: string, opts: CompileOptions = {}): CompiledSpec {
  try {
    return compileSpec(input, opts);
  } catch (e) {
    if (isCnnError(e)) throw e.nestedUnder(at);
    throw e;
  }
}

/** Shapes and parameter / MAC counts of a raw spec, layer by layer and in total. */
export function summarize(input: unknown, opts: CompileOptions = {}): Summary {
  return buildSummary(resolveModel(parseSpec(input), opts));
}

/** The normalized graph (native/GRAPH.md) of a raw spec. */
export function lowerToGraph(input: unknown, opts: CompileOptions = {}): NormalizedGraph {
  return buildGraph(resolveModel(parseSpec(input), opts));
}

export { parseSpec } from './validate.js';
export {
  expandZoo,
  isZooRef,
  listZoo,
  specOrZooRefSchema,
  ZOO_NAMES,
  zooRefSchema,
  type ZooEntry,
  type ZooName,
  type ZooRef,
  type ZooRefInput,
} from './zoo/index.js';
export { formatSummary } from './summary-format.js';
export { DEFAULT_MAX_PARAMS, MODEL_INPUT_INDEX, type InferOptions } from './infer.js';
export type { Summary, SummaryRow, SummaryTotals } from './summary.js';
export type {
  Activation,
  NormalizedGraph,
  NormalizedLayer,
  NormalizedLayerBase,
  NormalizedLayerType,
  NormalizedOp,
  Padding4Array,
  Pair2,
} from './graph-types.js';
export {
  ACTIVATIONS,
  LAYER_SCHEMAS,
  LAYER_TYPES,
  MAX_LAYERS,
  MODEL_INPUT_ID,
  layerSchema,
  modelSpecSchema,
  type LayerSpec,
  type LayerSpecInput,
  type LayerSpecOf,
  type LayerType,
  type ModelSpec,
  type ModelSpecInput,
} from './schema.js';
export {
  effectiveKernel,
  poolOutputSize,
  resolvePadding,
  resolveZeroPadding,
  samePadding,
  toPair,
  windowOutputSize,
  type Padding4,
  type Pair,
} from './shapes.js';
export { batchNormCounts, conv2dMacs, conv2dParams, denseMacs, denseParams } from './params.js';
