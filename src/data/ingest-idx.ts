/**
 * Ingest of IDX uploads (one pair, or a train and a test pair) into a
 * dataset directory under construction: `raw.u8` (N×H×W×1, train rows first)
 * and `raw-labels.i32`. Every header, label and count is checked before the
 * pixels are copied.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { CnnError } from '../errors.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, checkMagic, readIdx, readIdxHeader, streamIdx } from './idx.js';
import type { Split } from './layout.js';
import type { IngestLimits } from './limits.js';
import { RAW_IMAGES_FILE, RAW_LABELS_FILE, type DatasetManifest } from './manifest.js';
import { writeFileDurable } from '../files/atomic.js';
import { checkClassesNotEmpty, countPerClass } from './counts.js';
import { contentHash, perceptual } from './fingerprint.js';
import { buildPreflightReport, type PreflightImage } from './preflight.js';

export interface IdxPair {
  images: string;
  labels: string;
}

/**
 * An IDX upload: either one pair (all train) or `train` plus an optional
 * `test` pair. `classNames[i]` names label i; without it classes are '0'..'K-1'.
 */
export type IdxInput =
  | { kind: 'idx'; images: string; labels: string; classNames?: string[] }
  | { kind: 'idx'; train: IdxPair; test?: IdxPair; classNames?: string[] };

interface PairPlan {
  split: Split;
  files: IdxPair;
  /** Error paths of the two files, e.g. `images` or `test.labels`. */
  at: { images: string; labels: string };
  labels: Uint8Array;
  n: number;
  height: number;
  width: number;
}

type PairInput = Pick<PairPlan, 'split' | 'files' | 'at'>;

function pairsOf(input: IdxInput): PairInput[] {
  if ('train' in input) {
    const out: PairInput[] = [{ split: 'train', files: input.train, at: { images: 'train.images', labels: 'train.labels' } }];
    if (input.test) out.push({ split: 'test', files: input.test, at: { images: 'test.images', labels: 'test.labels' } });
    return out;
  }
  return [{ split: 'train', files: { images: input.images, labels: input.labels }, at: { images: 'images', labels: 'labels' } }];
}

function checkClassNames(names: string[] | undefined): void {
  if (names === undefined) return;
  if (names.length === 0) throw new CnnError('VALIDATION_FAILED', 'classNames must not be empty', 'classNames');
  names.forEach((n, i) => {
    if (typeof n !== 'string' || n.length === 0) throw new CnnError('VALIDATION_FAILED', 'class names must be non-empty strings', `classNames[${i}]`);
  });
  if (new Set(names).size !== names.length) throw new CnnError('VALIDATION_FAILED', 'classNames must be unique', 'classNames');
}

async function planPair(p: PairInput, limits: IngestLimits): Promise<PairPlan> {
  const { header: lh, data: labels } = await readIdx(p.files.labels, {
    expectMagic: IDX_LABELS_MAGIC,
    maxBytes: limits.maxInflatedBytes,
    path: p.at.labels,
  });
  const ih = await readIdxHeader(p.files.images, p.at.images);
  checkMagic(ih, IDX_IMAGES_MAGIC, p.at.images);
  const [n, height, width] = ih.dims as [number, number, number];
  if (lh.dims[0] !== n) {
    throw new CnnError('IDX_INVALID', `the images file holds ${n} images but the labels file holds ${lh.dims[0]} labels`, p.at.labels, {
      images: n,
      labels: lh.dims[0],
    });
  }
  if (height === 0 || width === 0) throw new CnnError('IDX_INVALID', `images are ${height}×${width}; both must be at least 1`, p.at.images);
  if (height * width > limits.maxImagePixels) {
    throw new CnnError('IMAGE_PIXEL_LIMIT', `IDX images are ${height}×${width}, over the limit of ${limits.maxImagePixels} pixels`, p.at.images, {
      width,
      height,
      maxImagePixels: limits.maxImagePixels,
    });
  }
  return { ...p, labels, n, height, width };
}

/** Validates the IDX input completely, then writes raw.u8 and raw-labels.i32 into `dir`. */
/** Cuts a stream of chunks into rows of `rowBytes` and hands each row to `onRow`. */
class RowSplitter {
  private partial: Buffer;
  private have = 0;
  constructor(
    private readonly rowBytes: number,
    private readonly onRow: (row: Buffer) => void,
  ) {
    this.partial = Buffer.alloc(rowBytes);
  }

  push(chunk: Buffer): void {
    let at = 0;
    if (this.have > 0) {
      const take = Math.min(this.rowBytes - this.have, chunk.length);
      chunk.copy(this.partial, this.have, 0, take);
      this.have += take;
      at = take;
      if (this.have < this.rowBytes) return;
      this.onRow(this.partial);
      this.have = 0;
    }
    for (; at + this.rowBytes <= chunk.length; at += this.rowBytes) this.onRow(chunk.subarray(at, at + this.rowBytes));
    if (at < chunk.length) {
      chunk.copy(this.partial, 0, at);
      this.have = chunk.length - at;
    }
  }
}

export async function ingestIdxInto(dir: string, input: IdxInput, limits: IngestLimits, minPerClass: number): Promise<DatasetManifest> {
  checkClassNames(input.classNames);
  const plans: PairPlan[] = [];
  for (const p of pairsOf(input)) plans.push(await planPair(p, limits));
  const train = plans[0]!;
  for (const p of plans.slice(1)) {
    if (p.height !== train.height || p.width !== train.width) {
      throw new CnnError('IDX_INVALID', `test images are ${p.height}×${p.width} but train images are ${train.height}×${train.width}`, p.at.images);
    }
  }
  const total = plans.reduce((s, p) => s + p.n, 0);
  const pixelBytes = total * train.height * train.width;
  if (pixelBytes > limits.maxInflatedBytes) {
    throw new CnnError('ARCHIVE_TOO_LARGE_INFLATED', `the IDX images hold ${pixelBytes} bytes of pixels; the limit is ${limits.maxInflatedBytes}`, 'images', {
      maxInflatedBytes: limits.maxInflatedBytes,
    });
  }

  let k = input.classNames?.length ?? 0;
  for (const p of plans) {
    p.labels.forEach((label, i) => {
      if (input.classNames && label >= input.classNames.length) {
        throw new CnnError('IDX_INVALID', `label ${label} at index ${i} is not below the ${input.classNames.length} class names`, p.at.labels, {
          index: i,
          label,
        });
      }
      if (!input.classNames) k = Math.max(k, label + 1);
    });
  }
  if (total === 0 || train.n === 0) throw new CnnError('DATASET_EMPTY', 'the IDX files hold no training images', train.at.images);
  const classes = input.classNames ?? Array.from({ length: k }, (_, i) => String(i));
  const counts: DatasetManifest['counts'] = { train: countPerClass(train.labels, k) };
  const test = plans.find((p) => p.split === 'test');
  if (test) counts.test = countPerClass(test.labels, k);
  checkClassesNotEmpty(classes, counts.train, train.at.labels);

  // Pixels: stream each images file's payload into raw.u8, train first, fingerprinting each row.
  const images: PreflightImage[] = [];
  const fh = await open(join(dir, RAW_IMAGES_FILE), 'wx');
  try {
    for (const p of plans) {
      const expected = p.n * p.height * p.width;
      let i = 0;
      const rows = new RowSplitter(p.height * p.width, (row) => {
        images.push({
          file: `${p.split}[${i}]`,
          split: p.split,
          label: p.labels[i]!,
          width: p.width,
          height: p.height,
          channels: 1,
          sha1: contentHash(row),
          ...perceptual(row, p.width, p.height, 1),
        });
        i++;
      });
      await streamIdx(
        p.files.images,
        p.at.images,
        (h) => {
          checkMagic(h, IDX_IMAGES_MAGIC, p.at.images);
          return expected;
        },
        async (chunk) => {
          rows.push(chunk);
          await fh.write(chunk);
        },
      );
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  const labels = Buffer.alloc(total * 4);
  let at = 0;
  for (const p of plans) for (const l of p.labels) labels.writeInt32LE(l, 4 * at++);
  await writeFileDurable(join(dir, RAW_LABELS_FILE), labels);

  return {
    format: 'idx',
    classes,
    counts,
    total,
    imageStats: {
      minWidth: train.width,
      maxWidth: train.width,
      minHeight: train.height,
      maxHeight: train.height,
      meanWidth: train.width,
      meanHeight: train.height,
      channels: { 1: total },
    },
    skipped: [],
    skippedCount: 0,
    raw: { height: train.height, width: train.width, channels: 1 },
    preflight: buildPreflightReport({ classes, hasTest: test !== undefined, images, skipped: [], minPerClass }),
  };
}
