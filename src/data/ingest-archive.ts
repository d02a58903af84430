/**
 * Ingest of a zip/tar/tar.gz upload into a dataset directory under
 * construction: scan (safety, limits, layout) without writing, then stream
 * each image, validate it with sharp (bounded concurrency) and keep its
 * original bytes under `files/` with a generated name.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CnnError } from '../errors.js';
import { readArchiveFiles, scanArchive, type EntryBody, type ScannedEntry } from './archive.js';
import { writeFileDurable } from './atomic-fs.js';
import { checkClassesNotEmpty, countPerClass } from './counts.js';
import { DECODE_CONCURRENCY, probeImage } from './image.js';
import { isIgnoredEntry, planLayout, type Placement } from './layout.js';
import type { IngestLimits } from './limits.js';
import {
  FILES_DIR,
  ITEMS_FILE,
  MAX_SKIPPED_LISTED,
  computeImageStats,
  type DatasetItem,
  type DatasetManifest,
  type SkippedFile,
} from './manifest.js';
import { TaskPool } from './pool.js';
import { IMAGE_EXTENSIONS, sniffArchive, sniffImage } from './sniff.js';

/** Bytes that identify PNG, JPEG and WebP. */
const SNIFF_BYTES = 12;
const NOT_AN_IMAGE = 'not a PNG, JPEG or WebP image (judged by its bytes)';

/**
 * Reads an entry into memory, up to `maxImageBytes`; stops early (returns a
 * skip reason) when the first bytes are not an image.
 */
async function readImageEntry(entry: ScannedEntry, body: EntryBody, limits: IngestLimits): Promise<Buffer | { skip: string }> {
  const chunks: Buffer[] = [];
  let n = 0;
  let sniffed = false;
  const tooLarge = (): CnnError =>
    new CnnError('IMAGE_TOO_LARGE', `image '${entry.name}' is larger than the limit of ${limits.maxImageBytes} bytes`, 'archive', {
      file: entry.name,
      maxImageBytes: limits.maxImageBytes,
    });
  for await (const chunk of body) {
    chunks.push(chunk);
    n += chunk.length;
    if (!sniffed && n >= SNIFF_BYTES) {
      sniffed = true;
      if (sniffImage(Buffer.concat(chunks)) === null) return { skip: NOT_AN_IMAGE };
      if (entry.size > limits.maxImageBytes) throw tooLarge();
    }
    if (n > limits.maxImageBytes) throw tooLarge();
  }
  const bytes = Buffer.concat(chunks);
  if (!sniffed && sniffImage(bytes) === null) return { skip: NOT_AN_IMAGE };
  return bytes;
}

/** Stored name of the `seq`-th image: `files/000123.png`. Never derived from the archive. */
function storedName(seq: number, ext: string): string {
  return `${FILES_DIR}/${String(seq).padStart(6, '0')}${ext}`;
}

export async function ingestArchiveInto(dir: string, file: string, limits: IngestLimits): Promise<DatasetManifest> {
  const kind = await sniffArchive(file);
  const scanned = await scanArchive(file, kind, limits);
  const files = scanned.filter((e) => e.type === 'file' && !isIgnoredEntry(e.segments));
  if (files.length === 0) throw new CnnError('DATASET_EMPTY', 'the archive holds no image files', 'archive');
  const layout = planLayout(files);
  const placements = new Map<number, Placement>(files.map((f, i) => [f.index, layout.placements[i]!]));
  const classIndex = new Map(layout.classes.map((c, i) => [c, i]));

  const skipped: SkippedFile[] = files.filter((f) => f.unreadable).map((f) => ({ file: f.name, reason: f.unreadable! }));
  const items: Array<DatasetItem & { seq: number }> = [];
  await mkdir(join(dir, FILES_DIR));
  const pool = new TaskPool(DECODE_CONCURRENCY);
  let seq = 0;
  try {
    await readArchiveFiles(
      file,
      kind,
      scanned,
      limits,
      (e) => placements.has(e.index),
      async (entry, body) => {
        await pool.slot();
        if (pool.hasFailed) throw pool.error;
        const bytes = await readImageEntry(entry, body, limits);
        if (!Buffer.isBuffer(bytes)) {
          skipped.push({ file: entry.name, reason: bytes.skip });
          return;
        }
        const id = seq++;
        const place = placements.get(entry.index)!;
        pool.spawn(async () => {
          const probe = await probeImage(bytes, limits.maxImagePixels, entry.name);
          if (!probe.ok) {
            skipped.push({ file: entry.name, reason: probe.reason });
            return;
          }
          const rel = storedName(id, IMAGE_EXTENSIONS[probe.kind]);
          await writeFileDurable(join(dir, rel), bytes);
          items.push({
            seq: id,
            file: rel,
            label: classIndex.get(place.className)!,
            split: place.split,
            width: probe.width,
            height: probe.height,
            channels: probe.channels,
            source: entry.name,
          });
        });
      },
    );
    await pool.drain();
  } catch (e) {
    await pool.settle();
    throw e;
  }

  // Train first, then test; archive order within a split. The packed cache keeps this order.
  items.sort((a, b) => (a.split === b.split ? a.seq - b.seq : a.split === 'train' ? -1 : 1));
  const ordered: DatasetItem[] = items.map(({ seq: _seq, ...item }) => item);
  if (ordered.length === 0) throw new CnnError('DATASET_EMPTY', 'no valid image remains in the archive', 'archive', { skipped: skipped.length });
  const k = layout.classes.length;
  const counts: DatasetManifest['counts'] = { train: countPerClass(ordered.filter((i) => i.split === 'train').map((i) => i.label), k) };
  if (layout.hasTest) counts.test = countPerClass(ordered.filter((i) => i.split === 'test').map((i) => i.label), k);
  checkClassesNotEmpty(layout.classes, counts.train);

  await writeFileDurable(join(dir, ITEMS_FILE), JSON.stringify(ordered));
  skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    format: 'archive',
    classes: layout.classes,
    counts,
    total: ordered.length,
    imageStats: computeImageStats(ordered),
    skipped: skipped.slice(0, MAX_SKIPPED_LISTED),
    skippedCount: skipped.length,
  };
}
