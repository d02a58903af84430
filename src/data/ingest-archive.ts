/**
 * Ingest of a zip/tar/tar.gz upload into a dataset directory under
 * construction: scan (safety, limits, layout: class folders, or a label
 * manifest, see label-manifest.ts) without writing, then stream
 * each image, validate it with sharp (bounded concurrency), append its
 * original bytes to `images.pack` and its decoded pixels to `pixels.u8`
 * (see pixel-pack.ts). Everything is fsynced once at the end.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { CnnError } from '../errors.js';
import { readArchiveFiles, scanArchive, type EntryBody, type ScannedEntry } from './archive.js';
import { writeFileDurable } from '../files/atomic.js';
import { checkClassesNotEmpty, countPerClass } from './counts.js';
import { contentHash } from './fingerprint.js';
import { DECODE_CONCURRENCY, probeImage, probeMemoryBound } from './image.js';
import { LABEL_MANIFEST_MAX_BYTES, findLabelManifest, layoutFromManifest } from './label-manifest.js';
import { isIgnoredEntry, planLayout, type Layout, type Placement } from './layout.js';
import type { IngestLimits } from './limits.js';
import {
  ITEMS_FILE,
  MAX_SKIPPED_LISTED,
  ORIGINALS_FILE,
  PIXELS_FILE,
  PIXELS_META_FILE,
  computeImageStats,
  type DatasetItem,
  type DatasetManifest,
  type PixelsMeta,
  type SkippedFile,
} from './manifest.js';
import { PackWriter } from './pack-writer.js';
import { PixelPackWriter } from './pixel-pack.js';
import { buildPreflightReport, type PreflightImage } from './preflight.js';
import { TaskPool, Turns } from './pool.js';
import { sniffArchive, sniffImage, type ArchiveKind } from './sniff.js';

/**
 * Images validated at once at most, and the memory they may hold (probeMemoryBound: decoded pixels,
 * as their headers tell) past the first DECODE_CONCURRENCY: many small images at once, few large
 * ones, and a file of tiny JPEGs that decode to 4 MP each cannot fill the memory.
 */
const INGEST_MAX_IN_FLIGHT = 64;
const INGEST_IN_FLIGHT_BYTES = 32 * 1024 * 1024;

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
      if (sniffImage(chunks[0]!.length >= SNIFF_BYTES ? chunks[0]! : Buffer.concat(chunks)) === null) return { skip: NOT_AN_IMAGE };
      if (entry.size > limits.maxImageBytes) throw tooLarge();
    }
    if (n > limits.maxImageBytes) throw tooLarge();
  }
  // Most entries arrive as one chunk (small zip entries are inflated whole): no copy then.
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  if (!sniffed && sniffImage(bytes) === null) return { skip: NOT_AN_IMAGE };
  return bytes;
}

/** The manifest entry's text, read through the same metered reader as the images. */
async function readManifestText(file: string, kind: ArchiveKind, scanned: ScannedEntry[], limits: IngestLimits, entry: ScannedEntry): Promise<string> {
  if (entry.unreadable) throw new CnnError('MANIFEST_INVALID', `${entry.name} cannot be read: ${entry.unreadable}`, 'archive', { manifest: entry.name });
  if (entry.size > LABEL_MANIFEST_MAX_BYTES) {
    throw new CnnError('MANIFEST_INVALID', `${entry.name} is ${entry.size} bytes; the limit is ${LABEL_MANIFEST_MAX_BYTES}`, 'archive', { manifest: entry.name });
  }
  const chunks: Buffer[] = [];
  await readArchiveFiles(file, kind, scanned, limits, (e) => e.index === entry.index, async (_e, body) => {
    for await (const chunk of body) chunks.push(chunk);
  });
  return Buffer.concat(chunks).toString('utf8');
}

/** Which entries are the dataset's images and where each goes: by the label manifest if there is one, else by folders. */
async function planEntries(file: string, kind: ArchiveKind, scanned: ScannedEntry[], limits: IngestLimits): Promise<{ files: ScannedEntry[]; layout: Layout }> {
  const all = scanned.filter((e) => e.type === 'file');
  const manifest = findLabelManifest(all);
  if (manifest) {
    const text = await readManifestText(file, kind, scanned, limits, manifest.entry);
    const planned = layoutFromManifest(manifest.name, text, all.filter((e) => e !== manifest.entry));
    return { files: planned.files, layout: planned };
  }
  const files = all.filter((e) => !isIgnoredEntry(e.segments));
  if (files.length === 0) throw new CnnError('DATASET_EMPTY', 'the archive holds no image files', 'archive');
  return { files, layout: planLayout(files) };
}

export async function ingestArchiveInto(dir: string, file: string, limits: IngestLimits, minPerClass: number): Promise<DatasetManifest> {
  const kind = await sniffArchive(file);
  const scanned = await scanArchive(file, kind, limits);
  const { files, layout } = await planEntries(file, kind, scanned, limits);
  const placements = new Map<number, Placement>(files.map((f, i) => [f.index, layout.placements[i]!]));
  const classIndex = new Map(layout.classes.map((c, i) => [c, i]));

  const skipped: SkippedFile[] = files.filter((f) => f.unreadable).map((f) => ({ file: f.name, reason: f.unreadable! }));
  const items: DatasetItem[] = [];
  const prints: PreflightImage[] = [];
  const originalsFile = await open(join(dir, ORIGINALS_FILE), 'wx');
  const originals = new PackWriter(originalsFile);
  const pixels = new PixelPackWriter(join(dir, PIXELS_FILE), {
    trainEntries: layout.placements.filter((p) => p.split === 'train').length,
    entries: files.length,
    maxBytes: limits.maxInflatedBytes,
  });
  // Many small images in flight at once (the addon decodes them in batches), few large ones.
  const pool = new TaskPool(INGEST_MAX_IN_FLIGHT, { bytes: INGEST_IN_FLIGHT_BYTES, always: DECODE_CONCURRENCY });
  // Decodes finish in any order; results are stored in archive order, so a dataset's files
  // do not depend on timing. A slot stays taken until its image is stored, which bounds memory.
  const turns = new Turns();
  let seq = 0;
  let pixelsMeta: PixelsMeta | null;
  try {
    await readArchiveFiles(
      file,
      kind,
      scanned,
      limits,
      (e) => placements.has(e.index),
      async (entry, body) => {
        if (pool.hasFailed) throw pool.error;
        // Entries are read one at a time; the slot then waits for room for what probing this one holds.
        const bytes = await readImageEntry(entry, body, limits);
        if (!Buffer.isBuffer(bytes)) {
          skipped.push({ file: entry.name, reason: bytes.skip });
          return;
        }
        const weight = probeMemoryBound(bytes);
        await pool.slot(weight);
        if (pool.hasFailed) throw pool.error;
        const id = seq++;
        const place = placements.get(entry.index)!;
        pool.spawn(async () => {
          try {
            const probe = await probeImage(bytes, limits.maxImagePixels, entry.name);
            const sha1 = probe.ok ? contentHash(bytes) : '';
            await turns.wait(id);
            if (pool.hasFailed) return;
            if (!probe.ok) {
              skipped.push({ file: entry.name, reason: probe.reason });
              return;
            }
            const offset = await originals.append(bytes);
            await pixels.add(place.split, probe.kind, probe.decoded);
            items.push({
              offset,
              length: bytes.length,
              kind: probe.kind,
              label: classIndex.get(place.className)!,
              split: place.split,
              width: probe.width,
              height: probe.height,
              channels: probe.channels,
              source: entry.name,
            });
            prints.push({
              file: entry.name,
              split: place.split,
              label: classIndex.get(place.className)!,
              width: probe.width,
              height: probe.height,
              channels: probe.channels,
              sha1,
              dhash: probe.dhash,
              thumb: probe.thumb,
            });
          } finally {
            turns.done(id);
          }
        }, weight);
      },
    );
    await pool.drain();
    await originals.flush();
    await originalsFile.sync();
    pixelsMeta = await pixels.finish();
  } catch (e) {
    await pool.settle();
    await pixels.stop();
    throw e;
  } finally {
    await originalsFile.close();
  }

  // Train first, then test; archive order within a split (items were stored in archive order).
  // The packed cache and pixels.u8 keep this order.
  const ordered = [...items.filter((i) => i.split === 'train'), ...items.filter((i) => i.split === 'test')];
  if (ordered.length === 0) throw new CnnError('DATASET_EMPTY', 'no valid image remains in the archive', 'archive', { skipped: skipped.length });
  const k = layout.classes.length;
  const counts: DatasetManifest['counts'] = { train: countPerClass(ordered.filter((i) => i.split === 'train').map((i) => i.label), k) };
  if (layout.hasTest) counts.test = countPerClass(ordered.filter((i) => i.split === 'test').map((i) => i.label), k);
  // A class with a train folder must keep a valid training image; one only under test/ is a pre-flight finding.
  const inTrain = new Set(layout.placements.filter((p) => p.split === 'train').map((p) => classIndex.get(p.className)!));
  checkClassesNotEmpty(layout.classes, counts.train, 'archive', (c) => inTrain.has(c));

  await writeFileDurable(join(dir, ITEMS_FILE), JSON.stringify(ordered));
  if (pixelsMeta) await writeFileDurable(join(dir, PIXELS_META_FILE), JSON.stringify(pixelsMeta));
  skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    format: 'archive',
    classes: layout.classes,
    counts,
    total: ordered.length,
    imageStats: computeImageStats(ordered),
    skipped: skipped.slice(0, MAX_SKIPPED_LISTED),
    skippedCount: skipped.length,
    preflight: buildPreflightReport({
      classes: layout.classes,
      hasTest: layout.hasTest,
      images: [...prints.filter((p) => p.split === 'train'), ...prints.filter((p) => p.split === 'test')],
      skipped,
      minPerClass,
    }),
  };
}
