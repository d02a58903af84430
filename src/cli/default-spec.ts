/**
 * The spec `cnn train` uses when given neither --spec nor --zoo: the
 * design-guide CNN of examples/design-guide-cnn.json, fitted to the data.
 * That file is two conv blocks (conv-BN-ReLU twice, max pool, dropout) with
 * 32 and 64 filters on a 28×28×1 input, then a dense head. Here the input is
 * the dataset's mean image size (scaled down to at most MAX_SIDE_PX on its long
 * side) and channels, blocks repeat, doubling the filters up to MAX_FILTERS,
 * until the feature map would drop below MIN_FEATURE_PX (28 → 14 → 7: the
 * file's own two blocks), and the last dense layer has one unit per class.
 */
import { readFileSync } from 'node:fs';
import { compileSpec } from '../architecture/index.js';

/** Larger images are resized to this on their long side: enough for the plain CNN on a CPU. */
export const MAX_SIDE_PX = 128;
/** Blocks stop once another pool would take the short side of the feature map below this. */
const MIN_FEATURE_PX = 7;
const MAX_FILTERS = 256;
const MAX_BLOCKS = 5;

interface Layer {
  type: string;
  filters?: number;
  units?: number;
  [k: string]: unknown;
}

export interface DatasetShape {
  classes: string[];
  imageStats?: { meanWidth?: number; meanHeight?: number; channels: Record<string, number | undefined> };
  raw?: { height: number; width: number; channels: number };
}

const DESIGN_GUIDE = new URL('../../examples/design-guide-cnn.json', import.meta.url);

/** [H, W, C] the default spec takes for a dataset: its mean size, capped; grey when no image has colour. */
export function inputShapeFor(ds: DatasetShape): [number, number, number] {
  let h = ds.raw?.height ?? Math.round(ds.imageStats?.meanHeight ?? 28);
  let w = ds.raw?.width ?? Math.round(ds.imageStats?.meanWidth ?? 28);
  const long = Math.max(h, w);
  if (long > MAX_SIDE_PX) {
    h = Math.max(1, Math.round((h * MAX_SIDE_PX) / long));
    w = Math.max(1, Math.round((w * MAX_SIDE_PX) / long));
  }
  const ch = ds.imageStats?.channels ?? {};
  const colour = (ch['3'] ?? 0) > 0 || (ch['4'] ?? 0) > 0;
  return [h, w, ds.raw ? 1 : colour ? 3 : 1];
}

export function defaultSpec(ds: DatasetShape): Record<string, unknown> {
  const guide = JSON.parse(readFileSync(DESIGN_GUIDE, 'utf8')) as { name: string; input: { shape: number[] }; layers: Layer[] };
  const flatten = guide.layers.findIndex((l) => l.type === 'flatten');
  const firstBlockEnd = guide.layers.findIndex((l) => l.type === 'dropout') + 1;
  const block = guide.layers.slice(0, firstBlockEnd);
  const baseFilters = block.find((l) => l.type === 'conv2d')?.filters ?? 32;
  const head = guide.layers.slice(flatten);
  const shape = inputShapeFor(ds);
  let side = Math.min(shape[0], shape[1]);
  const layers: Layer[] = [];
  for (let b = 0; b < MAX_BLOCKS && (b === 0 ? side >= 2 : Math.floor(side / 2) >= MIN_FEATURE_PX); b++) {
    const filters = Math.min(MAX_FILTERS, baseFilters * 2 ** b);
    for (const l of block) layers.push(l.type === 'conv2d' ? { ...l, filters } : { ...l });
    side = Math.floor(side / 2);
  }
  const out = head.map((l) => ({ ...l }));
  const last = out.at(-1)!;
  last.units = ds.classes.length;
  layers.push(...out);
  const spec = { name: guide.name, input: { shape }, layers };
  compileSpec(spec); // a bug here, not bad input: fail loudly
  return spec;
}
