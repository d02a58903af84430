/**
 * The decode-once cache: a dataset decoded at one size as a contiguous
 * `uint8 N×H×W×C` file plus `int32` little-endian labels and a small JSON
 * meta, under `<datasetDir>/cache/<h>x<w>x<c>-<resize>.{u8,labels.i32,json}`.
 * Rows are in items order: train first, then test.
 *
 * Each file is written to a unique temp name, fsynced and renamed; the JSON
 * is renamed last and is the mark of a complete cache. Two builders of the
 * same cache each write their own temp files and produce identical bytes, so
 * whichever rename lands last, readers see a whole, correct cache.
 */
import { copyFile, link, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { CnnError, formatPath } from '../errors.js';
import { fsyncDir, renameDurable, tempPathFor, writeFileAtomic, writeFileDurable } from '../files/atomic.js';
import { DECODE_CONCURRENCY, RESIZE_POLICIES, preprocessDecoded, preprocessImage, rowBytes, type PreprocessTarget, type ResizePolicy } from './image.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from './limits.js';
import {
  CACHE_DIR,
  PIXELS_FILE,
  RAW_IMAGES_FILE,
  RAW_LABELS_FILE,
  readItems,
  readManifest,
  readPixelsMeta,
  type DatasetItem,
  type DatasetManifest,
} from './manifest.js';
import { OriginalsReader } from './originals.js';
import { PackWriter } from './pack-writer.js';
import { mapLimit } from './pool.js';

/** Bumped when preprocessing changes, so old caches are rebuilt rather than reused. */
export const PACKED_CACHE_VERSION = 2;

export const PackedCacheOptionsSchema = z.object({
  height: z.int().positive().max(8192),
  width: z.int().positive().max(8192),
  channels: z.union([z.literal(1), z.literal(3)]),
  resize: z.enum(RESIZE_POLICIES as [ResizePolicy, ...ResizePolicy[]]),
});
export type PackedCacheOptions = PreprocessTarget;

const SplitRange = z.object({ offset: z.int().nonnegative(), count: z.int().nonnegative() });

export const PackedCacheMetaSchema = z.object({
  version: z.literal(PACKED_CACHE_VERSION),
  n: z.int().nonnegative(),
  height: z.int().positive(),
  width: z.int().positive(),
  channels: z.union([z.literal(1), z.literal(3)]),
  resize: z.enum(RESIZE_POLICIES as [ResizePolicy, ...ResizePolicy[]]),
  classes: z.array(z.string()),
  /** Row ranges; train rows come first. */
  splits: z.object({ train: SplitRange, test: SplitRange }),
});
export type PackedCacheMeta = z.infer<typeof PackedCacheMetaSchema>;

export interface PackedCache {
  meta: PackedCacheMeta;
  imagesPath: string;
  labelsPath: string;
  metaPath: string;
  /** True when an existing cache was used as it was. */
  reused: boolean;
}

/** `28x28x1-stretch`: the cache's name within a dataset. */
export function packedCacheKey(t: PreprocessTarget): string {
  return `${t.height}x${t.width}x${t.channels}-${t.resize}`;
}

export function packedCachePaths(datasetDir: string, t: PreprocessTarget): { images: string; labels: string; meta: string } {
  const base = join(datasetDir, CACHE_DIR, packedCacheKey(t));
  return { images: `${base}.u8`, labels: `${base}.labels.i32`, meta: `${base}.json` };
}

function parseTarget(t: PreprocessTarget): PreprocessTarget {
  const r = PackedCacheOptionsSchema.safeParse(t);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new CnnError('VALIDATION_FAILED', issue.message, formatPath(issue.path) || undefined);
}

async function sizeOf(path: string): Promise<number | null> {
  return stat(path).then(
    (s) => s.size,
    () => null,
  );
}

/** The existing cache's meta when all three files are there and consistent. */
async function existingCache(paths: ReturnType<typeof packedCachePaths>, t: PreprocessTarget): Promise<PackedCacheMeta | null> {
  let meta: PackedCacheMeta;
  try {
    meta = PackedCacheMetaSchema.parse(JSON.parse(await readFile(paths.meta, 'utf8')));
  } catch {
    return null;
  }
  if (meta.height !== t.height || meta.width !== t.width || meta.channels !== t.channels || meta.resize !== t.resize) return null;
  if ((await sizeOf(paths.images)) !== meta.n * rowBytes(t) || (await sizeOf(paths.labels)) !== meta.n * 4) return null;
  return meta;
}

function splitsOf(manifest: DatasetManifest): PackedCacheMeta['splits'] {
  const train = manifest.counts.train.reduce((a, b) => a + b, 0);
  const test = (manifest.counts.test ?? []).reduce((a, b) => a + b, 0);
  return { train: { offset: 0, count: train }, test: { offset: train, count: test } };
}

function labelsBuffer(labels: readonly number[]): Buffer {
  const buf = Buffer.alloc(labels.length * 4);
  labels.forEach((l, i) => buf.writeInt32LE(l, 4 * i));
  return buf;
}

/** Places `src` at `dest` by hard link (same bytes, no copy), or by copy where links fail; then renames. */
async function placeByLinkOrCopy(src: string, dest: string): Promise<void> {
  const tmp = tempPathFor(dest);
  try {
    await link(src, tmp);
  } catch {
    await copyFile(src, tmp);
    const fh = await open(tmp, 'r+');
    await fh.sync().finally(() => fh.close());
  }
  await renameDurable(tmp, dest);
}

/** Bytes of rows made and written at a time while a cache is built. */
const BUILD_CHUNK_BYTES = 4 * 1024 * 1024;

/** Fills `out` with rows `from` … `to - 1`. */
type RowFiller = (from: number, to: number, out: Buffer) => Promise<void>;

/** Chunks being filled at once while earlier ones are written: enough to keep both pool threads busy. */
const CHUNKS_IN_FLIGHT = 3;

/**
 * Writes `n` rows of `bytesPerRow` made by `fill`, a chunk of `chunkRows` at
 * a time (several filled at once, written in order, their buffers reused),
 * to a temp file, then renames it to `dest`.
 */
async function writeRows(dest: string, n: number, bytesPerRow: number, chunkRows: number, fill: RowFiller): Promise<void> {
  const tmp = tempPathFor(dest);
  const fh = await open(tmp, 'wx');
  const filling: Promise<Buffer>[] = [];
  const spare: Buffer[] = [];
  try {
    let next = 0;
    let at = 0;
    const start = () => {
      const from = next;
      const to = Math.min(n, from + chunkRows);
      next = to;
      const buf = spare.pop() ?? Buffer.allocUnsafe(chunkRows * bytesPerRow);
      const chunk = buf.subarray(0, (to - from) * bytesPerRow);
      filling.push(fill(from, to, chunk).then(() => chunk));
    };
    while (next < n && filling.length < CHUNKS_IN_FLIGHT) start();
    while (filling.length > 0) {
      const chunk = await filling.shift()!;
      for (let written = 0; written < chunk.length; ) written += (await fh.write(chunk, written, chunk.length - written, at + written)).bytesWritten;
      at += chunk.length;
      spare.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunkRows * bytesPerRow));
      if (next < n) start();
    }
    await fh.sync();
  } catch (e) {
    // Let fills already started settle before the file goes.
    await Promise.allSettled(filling);
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await renameDurable(tmp, dest);
}

/** Rows per chunk so that a chunk of source or output rows stays near BUILD_CHUNK_BYTES. */
function chunkRowsFor(...rowSizes: number[]): number {
  return Math.max(1, Math.floor(BUILD_CHUNK_BYTES / Math.max(...rowSizes)));
}

interface PixelsFile {
  path: string;
  n: number;
  height: number;
  width: number;
  channels: 1 | 3;
}

/**
 * The cache from decoded pixels (IDX raw.u8 or an archive's pixels.u8): the
 * file itself where size and channels already match, else each chunk of rows
 * through stage 2 of preprocessing in the addon (image.ts).
 */
async function buildFromPixels(src: PixelsFile, t: PreprocessTarget, dest: string): Promise<void> {
  if (src.height === t.height && src.width === t.width && src.channels === t.channels) {
    await placeByLinkOrCopy(src.path, dest);
    return;
  }
  const shape = { width: src.width, height: src.height, channels: src.channels };
  const srcRow = rowBytes(shape);
  const outRow = rowBytes(t);
  const fh = await open(src.path, 'r');
  const chunkRows = chunkRowsFor(srcRow, outRow);
  // Source chunks are read into reused buffers: fresh memory for every chunk costs more than the copy.
  const spare: Buffer[] = [];
  try {
    await writeRows(dest, src.n, outRow, chunkRows, async (from, to, out) => {
      const buf = spare.pop() ?? Buffer.allocUnsafe(chunkRows * srcRow);
      try {
        const pixels = buf.subarray(0, (to - from) * srcRow);
        const { bytesRead } = await fh.read(pixels, 0, pixels.length, from * srcRow);
        if (bytesRead !== pixels.length) throw new CnnError('INTERNAL', `${src.path} holds fewer than ${src.n} rows`);
        const rows = range(to - from).map((k) => ({ data: pixels.subarray(k * srcRow, (k + 1) * srcRow), ...shape }));
        await preprocessDecoded(rows, t, out);
      } finally {
        spare.push(buf);
      }
    });
  } finally {
    await fh.close();
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

async function buildFromIdx(datasetDir: string, manifest: DatasetManifest, t: PreprocessTarget, paths: ReturnType<typeof packedCachePaths>): Promise<void> {
  const raw = manifest.raw!;
  await placeByLinkOrCopy(join(datasetDir, RAW_LABELS_FILE), paths.labels);
  await buildFromPixels({ path: join(datasetDir, RAW_IMAGES_FILE), n: manifest.total, ...raw }, t, paths.images);
}

/** Decodes each stored original (the path for datasets without usable decoded pixels). */
async function buildFromOriginals(datasetDir: string, manifest: DatasetManifest, items: DatasetItem[], t: PreprocessTarget, dest: string): Promise<void> {
  // Every stored image passed the ingest pixel limit; the dataset's largest size bounds them all.
  const maxImagePixels = Math.max(DEFAULT_MAX_IMAGE_PIXELS, manifest.imageStats.maxWidth * manifest.imageStats.maxHeight);
  const outRow = rowBytes(t);
  const originals = new OriginalsReader(datasetDir);
  try {
    await writeRows(dest, items.length, outRow, chunkRowsFor(outRow), async (from, to, out) => {
      await mapLimit(range(to - from), DECODE_CONCURRENCY, async (k) => {
        const item = items[from + k]!;
        const bytes = await originals.read(item);
        let row: Buffer;
        try {
          row = await preprocessImage(bytes, t, { maxImagePixels });
        } catch (e) {
          throw new CnnError('INTERNAL', `stored image ${item.source} could not be decoded: ${(e as Error).message}`);
        }
        row.copy(out, k * outRow);
      });
    });
  } finally {
    await originals.close();
  }
}

async function buildFromItems(
  datasetDir: string,
  manifest: DatasetManifest,
  t: PreprocessTarget,
  paths: ReturnType<typeof packedCachePaths>,
): Promise<void> {
  const items = await readItems(datasetDir);
  if (items.length !== manifest.total) throw new CnnError('INTERNAL', `${datasetDir}: items.json lists ${items.length} images, the manifest ${manifest.total}`);
  const pixels = await readPixelsMeta(datasetDir);
  if (pixels && pixels.n !== items.length) throw new CnnError('INTERNAL', `${datasetDir}: pixels.json has ${pixels.n} rows, items.json ${items.length}`);
  if (pixels) {
    await buildFromPixels({ path: join(datasetDir, PIXELS_FILE), ...pixels }, t, paths.images);
  } else {
    await buildFromOriginals(datasetDir, manifest, items, t, paths.images);
  }
  const labelsTmp = tempPathFor(paths.labels);
  await writeFileDurable(labelsTmp, labelsBuffer(items.map((it) => it.label)));
  await renameDurable(labelsTmp, paths.labels);
}

/**
 * Returns the packed cache of `datasetDir` at the requested size, channels and
 * resize policy, building it first unless a complete one exists.
 */
export async function ensurePackedCache(datasetDir: string, options: PackedCacheOptions): Promise<PackedCache> {
  const t = parseTarget(options);
  const paths = packedCachePaths(datasetDir, t);
  const found = await existingCache(paths, t);
  if (found) return { meta: found, imagesPath: paths.images, labelsPath: paths.labels, metaPath: paths.meta, reused: true };

  const manifest = await readManifest(datasetDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new CnnError('NOT_FOUND', `no dataset at ${datasetDir}`, 'datasetId');
    throw e;
  });
  await mkdir(join(datasetDir, CACHE_DIR), { recursive: true });
  if (manifest.format === 'idx') await buildFromIdx(datasetDir, manifest, t, paths);
  else await buildFromItems(datasetDir, manifest, t, paths);
  const meta: PackedCacheMeta = {
    version: PACKED_CACHE_VERSION,
    n: manifest.total,
    height: t.height,
    width: t.width,
    channels: t.channels,
    resize: t.resize,
    classes: manifest.classes,
    splits: splitsOf(manifest),
  };
  await writeFileAtomic(paths.meta, JSON.stringify(meta, null, 2));
  await fsyncDir(join(datasetDir, CACHE_DIR));
  return { meta, imagesPath: paths.images, labelsPath: paths.labels, metaPath: paths.meta, reused: false };
}

/** Int32 view of little-endian bytes; copies only where the host or the alignment requires. */
function int32LE(buf: Buffer): Int32Array {
  const n = buf.length / 4;
  if (endianness() === 'LE' && buf.byteOffset % 4 === 0) return new Int32Array(buf.buffer, buf.byteOffset, n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readInt32LE(4 * i);
  return out;
}

/** Reads a packed cache into memory: one Buffer of all rows and the labels. */
export async function loadPackedCache(cache: PackedCache): Promise<{ images: Buffer; labels: Int32Array; meta: PackedCacheMeta }> {
  const { meta } = cache;
  const [images, labelBytes] = await Promise.all([readFile(cache.imagesPath), readFile(cache.labelsPath)]);
  if (images.length !== meta.n * rowBytes(meta) || labelBytes.length !== meta.n * 4) {
    throw new CnnError('INTERNAL', `packed cache ${cache.metaPath} does not match its files' sizes`);
  }
  return { images, labels: int32LE(labelBytes), meta };
}
