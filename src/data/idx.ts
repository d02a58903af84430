/**
 * The IDX format of MNIST and Fashion-MNIST, gzipped or raw (judged by the
 * gzip magic): a big-endian header `00 00 <type> <ndims>`, one u32 per
 * dimension, then the payload. Images are `0x00000803` (u8, N×H×W), labels
 * `0x00000801` (u8, N). Everything malformed is IDX_INVALID with a message
 * saying what is wrong.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CnnError } from '../errors.js';
import { isGzip } from './sniff.js';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;
/** IDX type byte for unsigned bytes, the only element type accepted. */
export const IDX_TYPE_U8 = 0x08;

export interface IdxHeader {
  magic: number;
  dataType: number;
  dims: number[];
  /** Bytes before the payload: 4 + 4 × dims.length. */
  headerBytes: number;
}

function invalid(path: string, what: string): CnnError {
  return new CnnError('IDX_INVALID', what, path);
}

const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');

/** Parses the header at the start of `buf`; null when `buf` is too short to hold it. */
export function parseIdxHeader(buf: Uint8Array, path = 'idx'): IdxHeader | null {
  if (buf.length < 4) return null;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b[0] !== 0 || b[1] !== 0) throw invalid(path, `not an IDX file: it starts with ${hex(b.readUInt32BE(0))}, not 0x0000`);
  const ndims = b[3]!;
  const headerBytes = 4 + 4 * ndims;
  if (b.length < headerBytes) return null;
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(b.readUInt32BE(4 + 4 * i));
  return { magic: b.readUInt32BE(0), dataType: b[2]!, dims, headerBytes };
}

/** Builds an IDX file (u8 payload). */
export function encodeIdx(magic: number, dims: readonly number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

async function fileIsGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(3);
    const { bytesRead } = await fh.read(head, 0, 3, 0);
    return isGzip(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** The file's content, gunzipped when it starts with the gzip magic. */
export async function openIdxStream(file: string): Promise<Readable> {
  const gz = await fileIsGzip(file);
  const src = createReadStream(file);
  if (!gz) return src;
  const gunzip = createGunzip();
  src.on('error', (e) => gunzip.destroy(e));
  return src.pipe(gunzip);
}

/**
 * Streams an IDX file: `check` sees the header and returns the payload size it
 * implies (or throws); `sink` gets the payload chunks. A payload shorter or
 * longer than that size is IDX_INVALID; so is a corrupt gzip stream.
 */
export async function streamIdx(
  file: string,
  path: string,
  check: (h: IdxHeader) => number,
  sink: (chunk: Buffer) => Promise<void> | void,
): Promise<IdxHeader> {
  const stream = await openIdxStream(file);
  let head = Buffer.alloc(0);
  let header: IdxHeader | null = null;
  let expected = 0;
  let got = 0;
  try {
    for await (const raw of stream as AsyncIterable<Buffer>) {
      let chunk = raw;
      if (!header) {
        head = Buffer.concat([head, chunk]);
        header = parseIdxHeader(head, path);
        if (!header) continue;
        expected = check(header);
        chunk = head.subarray(header.headerBytes);
      }
      got += chunk.length;
      if (got > expected) throw invalid(path, `the file is longer than its header says (${expected} payload bytes for dims ${header.dims.join('×')})`);
      if (chunk.length > 0) await sink(chunk);
    }
  } catch (e) {
    if (e instanceof CnnError) throw e;
    throw invalid(path, `the file could not be read: ${(e as Error).message}`);
  } finally {
    stream.destroy();
  }
  if (!header) throw invalid(path, 'the file is too short to hold an IDX header');
  if (got < expected) throw invalid(path, `the file is truncated: its header promises ${expected} payload bytes, it has ${got}`);
  return header;
}

/** Reads only the header (streams no further than needed). */
export async function readIdxHeader(file: string, path = 'idx'): Promise<IdxHeader> {
  const stream = await openIdxStream(file);
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      head = Buffer.concat([head, chunk]);
      const h = parseIdxHeader(head, path);
      if (h) return h;
    }
  } catch (e) {
    if (e instanceof CnnError) throw e;
    throw invalid(path, `the file could not be read: ${(e as Error).message}`);
  } finally {
    stream.destroy();
  }
  throw invalid(path, 'the file is too short to hold an IDX header');
}

function payloadBytes(h: IdxHeader): number {
  return h.dims.reduce((a, b) => a * b, 1);
}

/**
 * Reads a whole u8 IDX file into memory (labels, or small image files in
 * tests). `expectMagic` fails the read on another magic; `maxBytes` bounds the
 * payload before it is read.
 */
export async function readIdx(
  file: string,
  opts: { expectMagic?: number; maxBytes?: number; path?: string } = {},
): Promise<{ header: IdxHeader; data: Buffer }> {
  const path = opts.path ?? 'idx';
  const chunks: Buffer[] = [];
  const header = await streamIdx(
    file,
    path,
    (h) => {
      if (opts.expectMagic !== undefined) checkMagic(h, opts.expectMagic, path);
      else if (h.dataType !== IDX_TYPE_U8) throw invalid(path, `element type ${h.dataType} is not unsigned byte (0x08)`);
      const n = payloadBytes(h);
      if (opts.maxBytes !== undefined && n > opts.maxBytes) throw invalid(path, `the payload of ${n} bytes is over the limit of ${opts.maxBytes}`);
      return n;
    },
    (c) => void chunks.push(Buffer.from(c)),
  );
  return { header, data: Buffer.concat(chunks) };
}

/** Throws IDX_INVALID unless `h` has `magic` (and so the right type and rank). */
export function checkMagic(h: IdxHeader, magic: number, path: string): void {
  if (h.magic === magic) return;
  const hint =
    h.magic === IDX_IMAGES_MAGIC ? ' (an images file?)' : h.magic === IDX_LABELS_MAGIC ? ' (a labels file?)' : '';
  const want = magic === IDX_IMAGES_MAGIC ? 'u8 images with 3 dimensions' : magic === IDX_LABELS_MAGIC ? 'u8 labels with 1 dimension' : '';
  throw invalid(path, `magic number is ${hex(h.magic)}${hint}; expected ${hex(magic)} (${want})`);
}
