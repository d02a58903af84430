/**
 * Looking inside a stored model, as the tutorial does: the feature maps each
 * convolution and pooling layer computes for one image, and the weights of a
 * convolution layer, both shaped for drawing.
 *
 * Feature maps come from the engine's own predict on a prefix of the model's
 * graph (the layers up to the one observed, its weights loaded from the
 * artifact), so they are exactly what the full model computes at that layer,
 * in fp32 and off the event loop.
 */
import { join } from 'node:path';
import { compileSpec, type NormalizedGraph } from '../architecture/index.js';
import { decodeForPredict } from '../data/index.js';
import { CnnError } from '../errors.js';
import { createEngineModel } from '../engine/index.js';
import { readSafetensorsF32 } from '../export/safetensors.js';
import type { ServiceContext } from './context.js';
import { getModel } from './models.js';

/** The cap on one activations answer: bytes of uint8 tiles over all layers. */
export const MAX_ACTIVATION_BYTES = 16 * 1024 * 1024;
export const MAX_ACTIVATION_MAPS = 256;
const DEFAULT_MAPS = 64;
const OBSERVED = new Set(['conv2d', 'maxPool2d', 'avgPool2d', 'adaptiveAvgPool2d']);

export interface LayerActivations {
  name: string;
  type: string;
  /** [H, W, C] of the layer's output. */
  shape: [number, number, number];
  /** Maps sent (the first `maps` channels). */
  maps: number;
  /** Per map: min and max of its values; tiles are (v - min) / (max - min) × 255. */
  min: number[];
  max: number[];
  /** base64 of maps × H × W uint8, map after map, rows top to bottom. */
  tiles: string;
}

export interface ActivationsResult {
  modelId: string;
  /** The image as the model sees it: [H, W, C] and base64 uint8 H×W×C after resizing. */
  input: { shape: [number, number, number]; pixels: string };
  layers: LayerActivations[];
  top: { classIndex: number; className: string; probability: number }[];
}

function observedLayers(graph: NormalizedGraph): number[] {
  return graph.layers.flatMap((l, i) => (OBSERVED.has(l.type) && l.outShape.length === 3 ? [i] : []));
}

function intField(raw: string | undefined, at: string, lo: number, hi: number, dflt: number): number {
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new CnnError('VALIDATION_FAILED', `${at} must be an integer from ${lo} to ${hi}`, at);
  return n;
}

export async function modelActivations(
  ctx: ServiceContext,
  tenant: string,
  modelId: string,
  image: Buffer | undefined,
  opts: { layers?: string; maxMaps?: string },
): Promise<ActivationsResult> {
  const rec = await getModel(ctx, tenant, modelId);
  if (!image) throw new CnnError('PREDICT_BAD_IMAGE', 'send one `image` file as multipart/form-data', 'image');
  const maxMaps = intField(opts.maxMaps, 'maxMaps', 1, MAX_ACTIVATION_MAPS, DEFAULT_MAPS);
  const { graph } = compileSpec(rec.spec);
  let wanted = observedLayers(graph);
  if (opts.layers) {
    const names = opts.layers.split(',').map((s) => s.trim()).filter(Boolean);
    wanted = names.map((n) => {
      const i = graph.layers.findIndex((l) => l.name === n);
      if (i < 0 || graph.layers[i]!.outShape.length !== 3) throw new CnnError('VALIDATION_FAILED', `no spatial layer '${n}' in model ${rec.id}`, 'layers');
      return i;
    });
  }
  let bytes = 0;
  for (const i of wanted) {
    const [c, h, w] = graph.layers[i]!.outShape as [number, number, number];
    bytes += Math.min(c, maxMaps) * h * w;
  }
  if (bytes > MAX_ACTIVATION_BYTES) {
    throw new CnnError('ACTIVATIONS_TOO_LARGE', `the feature maps asked for are ${bytes} bytes; at most ${MAX_ACTIVATION_BYTES} per answer`, 'maxMaps', { bytes, limit: MAX_ACTIVATION_BYTES });
  }
  const pre = rec.preprocessing;
  const [h, w, c] = pre.inputShape;
  let decoded: { images: Buffer; n: number };
  try {
    decoded = await decodeForPredict([image], { height: h, width: w, channels: c as 1 | 3, resize: pre.resize, maxImagePixels: ctx.config.limits.maxImagePixels, field: 'image' });
  } catch (e) {
    if (e instanceof CnnError) throw e;
    throw new CnnError('PREDICT_BAD_IMAGE', `the image could not be decoded: ${(e as Error).message}`, 'image');
  }
  const weights = join(ctx.blobs.modelDir(rec.id), 'weights.safetensors');
  const norm = { n: 1, h, w, c, mean: pre.mean, std: pre.std };
  const run = async (g: NormalizedGraph, strict: boolean): Promise<Float32Array> => {
    const m = await createEngineModel(g, { device: 'cpu', seed: 0, precision: 'fp32' });
    try {
      await m.loadWeights(weights, { strict });
      return await m.predict(decoded.images, norm);
    } finally {
      m.dispose();
    }
  };
  const layers: LayerActivations[] = [];
  for (const i of wanted) {
    const l = graph.layers[i]!;
    const prefix: NormalizedGraph = { input: graph.input, layers: graph.layers.slice(0, i + 1), output: i, outputSoftmax: false };
    const out = await run(prefix, false);
    const [lc, lh, lw] = l.outShape as [number, number, number];
    const maps = Math.min(lc, maxMaps);
    const hw = lh * lw;
    const tiles = Buffer.alloc(maps * hw);
    const min: number[] = [];
    const max: number[] = [];
    for (let m = 0; m < maps; m++) {
      const v = out.subarray(m * hw, (m + 1) * hw);
      let lo = Infinity;
      let hi = -Infinity;
      for (const x of v) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      min.push(lo);
      max.push(hi);
      const span = hi - lo;
      for (let k = 0; k < hw; k++) tiles[m * hw + k] = span > 0 ? Math.round(((v[k]! - lo) / span) * 255) : 0;
    }
    layers.push({ name: l.name, type: l.type, shape: [lh, lw, lc], maps, min, max, tiles: tiles.toString('base64') });
  }
  const probs = await run(graph, true);
  const top = Array.from(probs)
    .map((p, j) => ({ classIndex: j, className: rec.classes[j] ?? String(j), probability: p }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, Math.min(5, rec.classes.length));
  return { modelId: rec.id, input: { shape: [h, w, c], pixels: decoded.images.toString('base64') }, layers, top };
}

export interface ConvFilters {
  modelId: string;
  layer: string;
  /** [filters, inChannels per group, kH, kW], as the weight tensor is stored. */
  shape: number[];
  min: number;
  max: number;
  /** The weights, flattened in that order. */
  weights: number[];
  bias?: number[];
  /** Every conv layer of the model, for choosing. */
  convLayers: { name: string; shape: number[] }[];
}

/** A conv layer's weights (the first conv layer without `layer`). */
export async function modelFilters(ctx: ServiceContext, tenant: string, modelId: string, layer?: string): Promise<ConvFilters> {
  const rec = await getModel(ctx, tenant, modelId);
  const { graph } = compileSpec(rec.spec);
  const convs = graph.layers.filter((l) => l.type === 'conv2d');
  if (convs.length === 0) throw new CnnError('VALIDATION_FAILED', `model ${rec.id} has no conv2d layer`, 'layer');
  const name = layer ?? convs[0]!.name;
  if (!convs.some((l) => l.name === name)) throw new CnnError('VALIDATION_FAILED', `no conv2d layer '${name}' in model ${rec.id}`, 'layer');
  const st = await readSafetensorsF32(join(ctx.blobs.modelDir(rec.id), 'weights.safetensors'));
  const wt = st.get(`${name}.weight`);
  if (wt.data.length * 4 > MAX_ACTIVATION_BYTES) throw new CnnError('ACTIVATIONS_TOO_LARGE', `layer '${name}' has ${wt.data.length} weights; too many to draw`, 'layer');
  let min = Infinity;
  let max = -Infinity;
  for (const x of wt.data) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const bias = st.names.includes(`${name}.bias`) ? Array.from(st.get(`${name}.bias`).data) : undefined;
  return {
    modelId: rec.id,
    layer: name,
    shape: wt.shape,
    min,
    max,
    weights: Array.from(wt.data),
    ...(bias ? { bias } : {}),
    convLayers: convs.map((l) => ({ name: l.name, shape: st.names.includes(`${l.name}.weight`) ? st.get(`${l.name}.weight`).shape : [] })),
  };
}
