/**
 * The normalized graph the addon builds (native/GRAPH.md). The spec layer
 * owns its type, since it produces it; the engine takes it as given. The
 * names below are the engine's aliases for the tests and callers that speak
 * in engine terms.
 */
import type { Activation, NormalizedGraph, NormalizedLayer, NormalizedLayerType, NormalizedOp, Padding4Array, Pair2 } from '../architecture/graph-types.js';

export type { NormalizedGraph, NormalizedLayer };
export type EngineActivation = Activation;
export type LayerType = NormalizedLayerType;
export type LayerOp = NormalizedOp;
export type Padding = Padding4Array;
export type Pair = Pair2;
