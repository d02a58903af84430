/**
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` package as the engine
 * takes it: uint8 N×28×28×1 pixels and int32 labels, the first `limit`
 * samples of a split. Files are parsed once per process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const IDX_IMAGES_MAGIC = 0x00000803;
const IDX_LABELS_MAGIC = 0x00000801;

export interface FashionData {
  images: Uint8Array;
  labels: Int32Array;
  n: number;
  h: 28;
  w: 28;
  c: 1;
}

const cache = new Map<string, { images: Buffer; labels: Buffer }>();

function readSplit(split: 'train' | 'test'): { images: Buffer; labels: Buffer } {
  let files = cache.get(split);
  if (!files) {
    const prefix = split === 'train' ? 'train' : 't10k';
    const images = gunzipSync(readFileSync(join(FASHION_DIR, `${prefix}-images-idx3-ubyte.gz`)));
    const labels = gunzipSync(readFileSync(join(FASHION_DIR, `${prefix}-labels-idx1-ubyte.gz`)));
    if (images.readUInt32BE(0) !== IDX_IMAGES_MAGIC || labels.readUInt32BE(0) !== IDX_LABELS_MAGIC) {
      throw new Error(`${split}: not an IDX images/labels pair`);
    }
    files = { images, labels };
    cache.set(split, files);
  }
  return files;
}

export function loadFashion(split: 'train' | 'test', limit?: number): FashionData {
  const { images, labels } = readSplit(split);
  const total = images.readUInt32BE(4);
  const h = images.readUInt32BE(8);
  const w = images.readUInt32BE(12);
  if (h !== 28 || w !== 28 || labels.readUInt32BE(4) !== total) throw new Error(`${split}: unexpected IDX header`);
  const n = Math.min(total, limit ?? total);
  const pixels = new Uint8Array(images.subarray(16, 16 + n * 28 * 28));
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = labels[8 + i]!;
  return { images: pixels, labels: out, n, h: 28, w: 28, c: 1 };
}
