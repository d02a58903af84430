/**
 * A decoder for the plain PNGs that make up most uploads (8-bit grey or RGB,
 * not interlaced, no colour profile), on the event loop without a sharp
 * call: a sharp call costs about half a millisecond of fixed overhead, while
 * inflating and unfiltering a 28×28 image costs a few microseconds. PNG is
 * lossless, so the pixels are exactly what libvips decodes (tests compare).
 *
 * Anything else (palette, alpha, 16 bits, interlacing, a profile or gamma
 * chunk, a CRC or zlib error, a missing IEND, more data than the header
 * says) returns null and the caller decodes with sharp, which keeps its
 * checks and error messages for broken files.
 */
import { crc32, inflateSync } from 'node:zlib';
import type { DecodedImage } from './image.js';

const SIGNATURE_BYTES = 8;
/** Colour type → channels, for the types decoded here (0 grey, 2 RGB). */
const CHANNELS: Record<number, 1 | 3> = { 0: 1, 2: 3 };
/** Chunks that change what the pixels mean: those images go to sharp. */
const MEANINGFUL = new Set(['iCCP', 'gAMA', 'cHRM', 'sRGB', 'sBIT', 'tRNS', 'PLTE', 'eXIf']);

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the per-row filters of `raw` (each row: a filter byte, then `stride` bytes) into `out`. */
function unfilter(raw: Buffer, out: Buffer, height: number, stride: number, bpp: number): boolean {
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const up = dst - stride;
    switch (f) {
      case 0:
        raw.copy(out, dst, src, src + stride);
        break;
      case 1:
        for (let i = 0; i < stride; i++) out[dst + i] = (raw[src + i]! + (i >= bpp ? out[dst + i - bpp]! : 0)) & 0xff;
        break;
      case 2:
        for (let i = 0; i < stride; i++) out[dst + i] = (raw[src + i]! + (y > 0 ? out[up + i]! : 0)) & 0xff;
        break;
      case 3:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? out[dst + i - bpp]! : 0;
          const b = y > 0 ? out[up + i]! : 0;
          out[dst + i] = (raw[src + i]! + ((a + b) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? out[dst + i - bpp]! : 0;
          const b = y > 0 ? out[up + i]! : 0;
          const c = y > 0 && i >= bpp ? out[up + i - bpp]! : 0;
          out[dst + i] = (raw[src + i]! + paeth(a, b, c)) & 0xff;
        }
        break;
      default:
        return false;
    }
  }
  return true;
}

/**
 * The pixels of a plain 8-bit grey or RGB PNG of at most `maxPixels`
 * pixels; null for anything this decoder leaves to sharp.
 */
export function decodePlainPng(bytes: Buffer, maxPixels: number): DecodedImage | null {
  let at = SIGNATURE_BYTES;
  let width = 0;
  let height = 0;
  let channels: 1 | 3 | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (at + 12 <= bytes.length) {
    const len = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (at + 12 + len > bytes.length) return null;
    const body = bytes.subarray(at + 8, at + 8 + len);
    if (crc32(bytes.subarray(at + 4, at + 8 + len)) !== bytes.readUInt32BE(at + 8 + len)) return null;
    at += 12 + len;
    if (type === 'IHDR') {
      if (len !== 13) return null;
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colour, compression, filter, interlace] = [body[8], body[9], body[10], body[11], body[12]];
      channels = CHANNELS[colour!];
      if (depth !== 8 || !channels || compression !== 0 || filter !== 0 || interlace !== 0) return null;
      if (width === 0 || height === 0 || width * height > maxPixels) return null;
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      ended = true;
      break;
    } else if (MEANINGFUL.has(type)) {
      return null;
    }
  }
  if (!ended || !channels || idat.length === 0) return null;
  const stride = width * channels;
  const expected = height * (stride + 1);
  let raw: Buffer;
  try {
    // Room for one byte more than the header allows, so that more is seen (and left to sharp).
    raw = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch {
    return null;
  }
  if (raw.length !== expected) return null;
  const data = Buffer.allocUnsafe(stride * height);
  if (!unfilter(raw, data, height, stride, channels)) return null;
  return { data, width, height, channels };
}
