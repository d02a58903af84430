/**
 * Fingerprints of one image for the pre-flight report, taken at ingest where
 * the bytes and the decoded pixels are already in hand: a content hash of the
 * encoded bytes (exact duplicates) and a 64-bit difference hash (dHash) of
 * the decoded pixels (near-duplicates).
 *
 * dHash: the image in grey, averaged over a 9×8 grid of cells (box filter:
 * cell `i` of `n` spans pixels `floor(i·W/n)` to `floor((i+1)·W/n)`, at least
 * one), then one bit per pair of horizontal neighbours: 1 where the left cell
 * is brighter than the right. Row-major, most significant bit first, written
 * as 16 hex digits. Grey is `(299 R + 587 G + 114 B + 500) / 1000`.
 *
 * The 72 cell averages are kept too (the thumbnail): on small, similar images
 * (28×28 garments) many distinct pictures share nearly the same dHash, so a
 * pair near in dHash is a near-duplicate only if its thumbnails, each minus
 * its own mean (so a brightness change does not count), also differ by at most
 * THUMB_MAX_MEAN_DIFF levels on average.
 */
import { createHash } from 'node:crypto';

export const DHASH_COLS = 9;
export const DHASH_ROWS = 8;

export interface Fingerprint {
  /** SHA-1 of the encoded bytes, hex. */
  sha1: string;
  /** dHash of the decoded pixels, 16 hex digits; absent when the pixels were not available. */
  dhash?: string;
  thumb?: Uint8Array;
}

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

function cellBounds(n: number, size: number): Int32Array {
  const b = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * size) / n);
    b[2 * i] = from;
    b[2 * i + 1] = Math.max(from + 1, Math.floor(((i + 1) * size) / n));
  }
  return b;
}

function grey(pixels: Uint8Array, p: number, colour: boolean): number {
  return colour ? Math.floor((299 * pixels[p]! + 587 * pixels[p + 1]! + 114 * pixels[p + 2]! + 500) / 1000) : pixels[p]!;
}

/**
 * `299 R + 587 G + 114 B + 500` by tables, so that a pixel's grey (see the
 * header) is one multiply: for an integer x, (x + 0.5) / 1000 is never within
 * 0.0005 of an integer, so truncating `(x + 0.5) * 0.001` is exactly floor(x / 1000).
 */
const R299 = Float64Array.from({ length: 256 }, (_, v) => 299 * v + 500.5);
const G587 = Float64Array.from({ length: 256 }, (_, v) => 587 * v);
const B114 = Float64Array.from({ length: 256 }, (_, v) => 114 * v);

/**
 * Cell means where the cells partition the image (at least one pixel each):
 * one pass, each row summed cell by cell between the cells' column bounds.
 * Integer sums throughout (exact: at most 2^53 for any image under the limits).
 */
function cellMeansPartition(pixels: Uint8Array, width: number, height: number, channels: number, cells: Float64Array): void {
  const xs = new Int32Array(DHASH_COLS + 1);
  for (let c = 0; c <= DHASH_COLS; c++) xs[c] = Math.floor((c * width) / DHASH_COLS);
  const colour = channels >= 3;
  for (let r = 0; r < DHASH_ROWS; r++) {
    const y0 = Math.floor((r * height) / DHASH_ROWS);
    const y1 = Math.floor(((r + 1) * height) / DHASH_ROWS);
    for (let c = 0; c < DHASH_COLS; c++) {
      const x0 = xs[c]!;
      const x1 = xs[c + 1]!;
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        const end = (y * width + x1) * channels;
        let p = (y * width + x0) * channels;
        if (colour) {
          for (; p < end; p += channels) sum += ((R299[pixels[p]!]! + G587[pixels[p + 1]!]! + B114[pixels[p + 2]!]!) * 0.001) | 0;
        } else if (channels === 1) {
          for (; p < end; p++) sum += pixels[p]!;
        } else {
          for (; p < end; p += channels) sum += pixels[p]!;
        }
      }
      cells[r * DHASH_COLS + c] = sum / ((x1 - x0) * (y1 - y0));
    }
  }
}

/** Cell means of images narrower than 9 or shorter than 8 pixels, where cells share pixels. */
function cellMeansSmall(pixels: Uint8Array, width: number, height: number, channels: number, cells: Float64Array): void {
  const xs = cellBounds(DHASH_COLS, width);
  const ys = cellBounds(DHASH_ROWS, height);
  const colour = channels >= 3;
  for (let r = 0; r < DHASH_ROWS; r++) {
    for (let c = 0; c < DHASH_COLS; c++) {
      let sum = 0;
      for (let y = ys[2 * r]!; y < ys[2 * r + 1]!; y++) {
        for (let x = xs[2 * c]!; x < xs[2 * c + 1]!; x++) sum += grey(pixels, (y * width + x) * channels, colour);
      }
      cells[r * DHASH_COLS + c] = sum / ((ys[2 * r + 1]! - ys[2 * r]!) * (xs[2 * c + 1]! - xs[2 * c]!));
    }
  }
}

/**
 * dHash of `width × height × channels` uint8 pixels (1: grey, 2: grey and
 * alpha, 3: RGB, 4: RGBA; alpha is ignored).
 */
export function dhash(pixels: Uint8Array, width: number, height: number, channels: number): string {
  return perceptual(pixels, width, height, channels).dhash;
}

/** Mean absolute difference (grey levels) two thumbnails may have, each minus its mean, to be near-duplicates. */
export const THUMB_MAX_MEAN_DIFF = 3;

/** dHash and the 9×8 thumbnail of cell averages (rounded) of the same pixels. */
export function perceptual(pixels: Uint8Array, width: number, height: number, channels: number): { dhash: string; thumb: Uint8Array } {
  const cells = new Float64Array(DHASH_COLS * DHASH_ROWS);
  if (width >= DHASH_COLS && height >= DHASH_ROWS) cellMeansPartition(pixels, width, height, channels, cells);
  else cellMeansSmall(pixels, width, height, channels, cells);
  return perceptualFromCells(cells);
}

/** dHash and thumbnail from the 72 cell means, row-major (the native decoder averages them itself). */
export function perceptualFromCells(cells: Float64Array): { dhash: string; thumb: Uint8Array } {
  let hi = 0;
  let lo = 0;
  for (let r = 0; r < DHASH_ROWS; r++) {
    for (let c = 0; c < DHASH_COLS - 1; c++) {
      const bit = cells[r * DHASH_COLS + c]! > cells[r * DHASH_COLS + c + 1]! ? 1 : 0;
      const k = r * (DHASH_COLS - 1) + c;
      if (k < 32) hi = (hi << 1) | bit;
      else lo = (lo << 1) | bit;
    }
  }
  const thumb = new Uint8Array(cells.length);
  for (let i = 0; i < cells.length; i++) thumb[i] = Math.round(cells[i]!);
  return { dhash: (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0'), thumb };
}

/** Mean absolute difference of two thumbnails after each has its own mean taken off. */
export function thumbDistance(a: Uint8Array, b: Uint8Array): number {
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    sa += a[i]!;
    sb += b[i]!;
  }
  const shift = (sa - sb) / a.length;
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - b[i]! - shift);
  return d / a.length;
}

/** Bits that differ between two dHashes. */
export function hammingDistance(a: string, b: string): number {
  return popcount32(parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) + popcount32(parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16));
}

export function popcount32(x: number): number {
  let v = x >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
