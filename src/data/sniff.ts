/**
 * Type detection from bytes, never from names: archives (zip, tar, tar.gz)
 * and the image formats the service accepts (PNG, JPEG, WebP).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { CnnError } from '../errors.js';

export type ArchiveKind = 'zip' | 'tar' | 'tar.gz';
export const IMAGE_KINDS = ['png', 'jpeg', 'webp'] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

/** Bytes needed to tell every supported type apart (a tar header block). */
const TAR_BLOCK_BYTES = 512;

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08;
}

/** Local file header, or the end-of-central-directory record of an empty zip. */
export function isZip(head: Uint8Array): boolean {
  if (head.length < 4 || head[0] !== 0x50 || head[1] !== 0x4b) return false;
  return (head[2] === 0x03 && head[3] === 0x04) || (head[2] === 0x05 && head[3] === 0x06);
}

/**
 * A tar header block: ustar magic at 257, or (old v7 archives) a checksum that
 * matches. An all-zero block is an empty archive's end marker.
 */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < TAR_BLOCK_BYTES) return false;
  const magic = Buffer.from(block.subarray(257, 262)).toString('latin1');
  if (magic === 'ustar') return true;
  const field = Buffer.from(block.subarray(148, 156)).toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  const stored = parseInt(field, 8);
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK_BYTES; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === stored && block[0] !== 0;
}

export function sniffImage(head: Uint8Array): ImageKind | null {
  if (head.length >= 8 && PNG_MAGIC.equals(head.subarray(0, 8))) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (
    head.length >= 12 &&
    Buffer.from(head.subarray(0, 4)).toString('latin1') === 'RIFF' &&
    Buffer.from(head.subarray(8, 12)).toString('latin1') === 'WEBP'
  ) {
    return 'webp';
  }
  return null;
}

/** Names a few formats people upload by mistake, for a helpful error. */
function describeUnsupported(head: Uint8Array): string {
  const s = Buffer.from(head.subarray(0, 8)).toString('latin1');
  if (s.startsWith('Rar!')) return 'a RAR archive';
  if (s.startsWith('7z\xbc\xaf')) return 'a 7z archive';
  if (s.startsWith('BZh')) return 'a bzip2 file';
  if (head[0] === 0xfd && s.slice(1, 6) === '7zXZ\0') return 'an xz file';
  if (sniffImage(head)) return 'a single image';
  if (head.length === 0) return 'an empty file';
  return 'not a known archive';
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** First `bytes` bytes of a gzip file's content; fewer if it is shorter. Throws on a corrupt stream. */
export async function gunzipHead(file: string, bytes: number): Promise<Buffer> {
  const src = createReadStream(file);
  const gunzip = createGunzip();
  const chunks: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of src.pipe(gunzip) as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      have += chunk.length;
      if (have >= bytes) break;
    }
  } finally {
    src.destroy();
    gunzip.destroy();
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}

/** Zip, tar or tar.gz by magic bytes; anything else is ARCHIVE_UNSUPPORTED. */
export async function sniffArchive(file: string): Promise<ArchiveKind> {
  const head = await readHead(file, TAR_BLOCK_BYTES);
  if (isZip(head)) return 'zip';
  if (isTarHeader(head) || (head.length === TAR_BLOCK_BYTES && head.every((b) => b === 0))) return 'tar';
  if (isGzip(head)) {
    let inner: Buffer;
    try {
      inner = await gunzipHead(file, TAR_BLOCK_BYTES);
    } catch (e) {
      throw new CnnError('ARCHIVE_CORRUPT', `the gzip stream could not be read: ${(e as Error).message}`, 'archive');
    }
    if (isTarHeader(inner) || (inner.length === TAR_BLOCK_BYTES && inner.every((b) => b === 0))) return 'tar.gz';
    throw new CnnError('ARCHIVE_UNSUPPORTED', 'the upload is gzip-compressed but does not contain a tar archive', 'archive');
  }
  throw new CnnError('ARCHIVE_UNSUPPORTED', `the upload is ${describeUnsupported(head)}; send a zip, tar or tar.gz archive`, 'archive');
}
