/**
 * What a dataset directory holds after ingest, and the schemas of its JSON
 * files. Layout of `<datasetDir>/`:
 * - `manifest.json`: {@link DatasetManifest}, small; the API returns most of it.
 * - archives: `images.pack` (every image's original bytes, one after the
 *   other, in archive order), `items.json` ({@link DatasetItem}[], train
 *   items first, then test; each says where its bytes are in the pack) and,
 *   when every image decodes to the same size and channels, `pixels.u8`
 *   (N×H×W×C decoded pixels in items order) with `pixels.json`
 *   ({@link PixelsMeta}). Datasets stored before `images.pack` existed keep
 *   one file per image under `files/`, named by their items.
 * - IDX: `raw.u8` (N×H×W×1, train rows first, then test) and
 *   `raw-labels.i32` (N int32 little-endian).
 * - `cache/`: packed caches, see packed-cache.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { SPLITS } from './layout.js';
import { PreflightReportSchema } from './preflight.js';
import { IMAGE_KINDS } from './sniff.js';

export const MANIFEST_FILE = 'manifest.json';
export const ITEMS_FILE = 'items.json';
export const ORIGINALS_FILE = 'images.pack';
export const PIXELS_FILE = 'pixels.u8';
export const PIXELS_META_FILE = 'pixels.json';
/** Older archive datasets only: one file per image. */
export const FILES_DIR = 'files';
export const RAW_IMAGES_FILE = 'raw.u8';
export const RAW_LABELS_FILE = 'raw-labels.i32';
export const CACHE_DIR = 'cache';

/** Skipped files listed in the manifest at most; `skippedCount` has the full number. */
export const MAX_SKIPPED_LISTED = 1000;

const Count = z.int().nonnegative();
const PositiveInt = z.int().positive();

export const SplitSchema = z.enum(SPLITS);

export const ImageStatsSchema = z.object({
  minWidth: PositiveInt,
  maxWidth: PositiveInt,
  minHeight: PositiveInt,
  maxHeight: PositiveInt,
  meanWidth: z.number().positive(),
  meanHeight: z.number().positive(),
  /** How many images have 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA) channels. */
  channels: z.object({ 1: Count.optional(), 2: Count.optional(), 3: Count.optional(), 4: Count.optional() }),
});
export type ImageStats = z.infer<typeof ImageStatsSchema>;

export const SkippedFileSchema = z.object({ file: z.string(), reason: z.string() });
export type SkippedFile = z.infer<typeof SkippedFileSchema>;

export const DatasetManifestSchema = z.object({
  format: z.enum(['archive', 'idx']),
  /** Label i is classes[i]. Sorted for archives; classNames or '0'..'K-1' for IDX. */
  classes: z.array(z.string().min(1)).min(1),
  /** Valid images per class; `test` only when the upload had a test split. */
  counts: z.object({ train: z.array(Count), test: z.array(Count).optional() }),
  total: Count,
  imageStats: ImageStatsSchema,
  /** Files left out, with why (first MAX_SKIPPED_LISTED). Ignored noise (dot-files, __MACOSX) is not listed. */
  skipped: z.array(SkippedFileSchema),
  skippedCount: Count,
  /** IDX only: the shape of each row of raw.u8. */
  raw: z.object({ height: PositiveInt, width: PositiveInt, channels: z.literal(1) }).optional(),
  /** The data checks (see preflight.ts); absent on datasets ingested before they existed. */
  preflight: PreflightReportSchema.optional(),
});
export type DatasetManifest = z.infer<typeof DatasetManifestSchema>;

const ImageKindSchema = z.enum(IMAGE_KINDS);

const ItemFields = {
  label: Count,
  split: SplitSchema,
  width: PositiveInt,
  height: PositiveInt,
  channels: PositiveInt,
  /** The entry's name in the uploaded archive; for people, never used as a path. */
  source: z.string(),
};

export const DatasetItemSchema = z.union([
  z.object({
    ...ItemFields,
    /** Where the original bytes are in `images.pack`. */
    offset: Count,
    length: PositiveInt,
    /** Format, judged by the bytes. */
    kind: ImageKindSchema,
  }),
  z.object({
    ...ItemFields,
    /** Older datasets: path under the dataset dir, e.g. `files/000123.png`. */
    file: z.string(),
  }),
]);
export type DatasetItem = z.infer<typeof DatasetItemSchema>;

export async function readManifest(datasetDir: string): Promise<DatasetManifest> {
  return DatasetManifestSchema.parse(JSON.parse(await readFile(join(datasetDir, MANIFEST_FILE), 'utf8')));
}

export const PixelsMetaSchema = z.object({
  n: Count,
  height: PositiveInt,
  width: PositiveInt,
  /** 1 for images that decode to grey, 3 for colour; alpha is flattened onto black. */
  channels: z.union([z.literal(1), z.literal(3)]),
  /** The formats the rows were decoded from (they decide at which sizes the rows can stand in for the files). */
  kinds: z.array(ImageKindSchema),
});
export type PixelsMeta = z.infer<typeof PixelsMetaSchema>;

/** The archive dataset's `pixels.json`, or null when it has no decoded pixels. */
export async function readPixelsMeta(datasetDir: string): Promise<PixelsMeta | null> {
  const text = await readFile(join(datasetDir, PIXELS_META_FILE), 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  return text === null ? null : PixelsMetaSchema.parse(JSON.parse(text));
}

/** The per-image list of an archive dataset (empty for IDX datasets, which have raw.u8 instead). */
export async function readItems(datasetDir: string): Promise<DatasetItem[]> {
  const text = await readFile(join(datasetDir, ITEMS_FILE), 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '[]';
    throw e;
  });
  return z.array(DatasetItemSchema).parse(JSON.parse(text));
}

/** Min/max/mean sizes and channel counts over `items` (at least one). */
export function computeImageStats(items: ReadonlyArray<{ width: number; height: number; channels: number }>): ImageStats {
  let minWidth = Infinity;
  let maxWidth = 0;
  let minHeight = Infinity;
  let maxHeight = 0;
  let sumWidth = 0;
  let sumHeight = 0;
  const channels: Record<string, number> = {};
  for (const it of items) {
    minWidth = Math.min(minWidth, it.width);
    maxWidth = Math.max(maxWidth, it.width);
    minHeight = Math.min(minHeight, it.height);
    maxHeight = Math.max(maxHeight, it.height);
    sumWidth += it.width;
    sumHeight += it.height;
    channels[it.channels] = (channels[it.channels] ?? 0) + 1;
  }
  const n = items.length;
  const round = (x: number): number => Math.round(x * 100) / 100;
  return { minWidth, maxWidth, minHeight, maxHeight, meanWidth: round(sumWidth / n), meanHeight: round(sumHeight / n), channels };
}
