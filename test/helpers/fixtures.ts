/**
 * Test data built from real files: Fashion-MNIST subsets from Debian's
 * `dataset-fashion-mnist` package, encoded as PNG class folders in zip/tar
 * archives or as IDX pairs, plus hostile uploads (zip-slip, links, bombs,
 * truncated and oversized images).
 *
 * Deliberately independent of src/data: IDX and PNG bytes are produced here
 * with node:zlib, sharp, yazl and tar-stream only.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { crc32, deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import sharp from 'sharp';
import * as tar from 'tar-stream';
import yazl from 'yazl';
import { seededRandom } from '../../src/seeded-random.js';

export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
/** Fashion-MNIST label order, as folder-safe names. */
export const FASHION_CLASSES = [
  'T-shirt_top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle_boot',
] as const;
export const FASHION_SIZE = 28;
const FASHION_ROW = FASHION_SIZE * FASHION_SIZE;

export type FashionSplit = 'train' | 'test';

export interface FashionSubset {
  /** n × 28 × 28 grey pixels. */
  images: Buffer;
  /** Fashion-MNIST labels (0..9), one per image. */
  labels: Uint8Array;
  /** Indices into the full split file. */
  indices: number[];
  n: number;
  height: number;
  width: number;
}

const fullSplits = new Map<FashionSplit, Promise<{ images: Buffer; labels: Buffer }>>();

/** The whole split, gunzipped once per process. */
function loadFashion(split: FashionSplit): Promise<{ images: Buffer; labels: Buffer }> {
  let p = fullSplits.get(split);
  if (!p) {
    const prefix = split === 'train' ? 'train' : 't10k';
    p = Promise.all([
      readFile(join(FASHION_DIR, `${prefix}-images-idx3-ubyte.gz`)),
      readFile(join(FASHION_DIR, `${prefix}-labels-idx1-ubyte.gz`)),
    ]).then(([img, lab]) => ({ images: gunzipSync(img).subarray(16), labels: gunzipSync(lab).subarray(8) }));
    fullSplits.set(split, p);
  }
  return p;
}

const rng = seededRandom;

/**
 * `perClass` images of each of the 10 classes from one split, interleaved by
 * class (c0, c1, …, c9, c0, …). Without a seed the first images of each class
 * are taken; with one, a seeded random choice.
 */
export async function fashionSubset(perClass: number, split: FashionSplit = 'train', seed?: number): Promise<FashionSubset> {
  const full = await loadFashion(split);
  const byClass: number[][] = FASHION_CLASSES.map(() => []);
  full.labels.forEach((l, i) => byClass[l]!.push(i));
  const chosen = byClass.map((idx) => {
    if (seed === undefined) return idx.slice(0, perClass);
    const r = rng(seed);
    const copy = [...idx];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, perClass);
  });
  const indices: number[] = [];
  for (let k = 0; k < perClass; k++) for (const c of chosen) if (c[k] !== undefined) indices.push(c[k]!);
  const images = Buffer.alloc(indices.length * FASHION_ROW);
  indices.forEach((src, i) => full.images.copy(images, i * FASHION_ROW, src * FASHION_ROW, (src + 1) * FASHION_ROW));
  const labels = Uint8Array.from(indices.map((i) => full.labels[i]!));
  return { images, labels, indices, n: indices.length, height: FASHION_SIZE, width: FASHION_SIZE };
}

/** A greyscale PNG (colour type 0) of raw 8-bit pixels. */
export async function greyPng(pixels: Buffer, width = FASHION_SIZE, height = FASHION_SIZE): Promise<Buffer> {
  return sharp(pixels, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}

// ---------------------------------------------------------------- archives

export interface ArchiveFile {
  name: string;
  data?: Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  linkname?: string;
  /** Unix mode bits including the file type (zip only), e.g. 0o120777 for a symlink. */
  mode?: number;
}

export async function writeZip(path: string, files: readonly ArchiveFile[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const zip = new yazl.ZipFile();
  for (const f of files) {
    if (f.type === 'directory') zip.addEmptyDirectory(f.name);
    else zip.addBuffer(f.data ?? Buffer.alloc(0), f.name, f.mode !== undefined ? { mode: f.mode } : {});
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}

export async function writeTar(path: string, files: readonly ArchiveFile[], opts: { gzip: boolean }): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const f of files) {
    const type = f.type ?? 'file';
    if (type === 'file') pack.entry({ name: f.name, type }, f.data ?? Buffer.alloc(0));
    else pack.entry({ name: f.name, type, linkname: f.linkname, size: 0 });
  }
  pack.finalize();
  await done;
  const tarBytes = Buffer.concat(chunks);
  await writeFile(path, opts.gzip ? gzipSync(tarBytes) : tarBytes);
}

export interface PngEntry {
  /** Name in the archive. */
  name: string;
  split: FashionSplit;
  className: string;
  /** 28 × 28 grey pixels. */
  pixels: Buffer;
  png: Buffer;
}

export interface PngArchiveOptions {
  /** Train images per class. */
  perClass: number;
  /** Test images per class; 0 (default) writes no test/ folder. */
  testPerClass?: number;
  /** Subset of FASHION_CLASSES to include (default all ten). */
  classes?: readonly string[];
  /** `<class>/<img>` without train/ and test/ (train only). */
  flat?: boolean;
  /** One wrapping top folder, e.g. `fashion`. */
  wrap?: string;
  /** More entries appended as they are (bad files, noise). */
  extra?: readonly ArchiveFile[];
  seed?: number;
}

export interface PngArchive {
  /** The included classes, sorted (the order ingest assigns labels). */
  classes: string[];
  entries: PngEntry[];
  files: ArchiveFile[];
}

/** Fashion-MNIST PNGs laid out in class folders, as archive files. */
export async function fashionPngFiles(opts: PngArchiveOptions): Promise<PngArchive> {
  const wanted = new Set(opts.classes ?? FASHION_CLASSES);
  const entries: PngEntry[] = [];
  const splits: Array<[FashionSplit, number]> = [['train', opts.perClass]];
  if (!opts.flat && (opts.testPerClass ?? 0) > 0) splits.push(['test', opts.testPerClass!]);
  for (const [split, perClass] of splits) {
    const sub = await fashionSubset(perClass, split, opts.seed);
    for (let i = 0; i < sub.n; i++) {
      const className = FASHION_CLASSES[sub.labels[i]!]!;
      if (!wanted.has(className)) continue;
      const pixels = Buffer.from(sub.images.subarray(i * FASHION_ROW, (i + 1) * FASHION_ROW));
      const top = opts.flat ? '' : `${split}/`;
      const name = `${opts.wrap ? `${opts.wrap}/` : ''}${top}${className}/${sub.indices[i]}.png`;
      entries.push({ name, split, className, pixels, png: await greyPng(pixels) });
    }
  }
  const files: ArchiveFile[] = [...entries.map((e) => ({ name: e.name, data: e.png })), ...(opts.extra ?? [])];
  return { classes: [...wanted].sort(), entries, files };
}

/** A zip of Fashion-MNIST PNG class folders under train/ (and test/). */
export async function makePngZip(path: string, opts: PngArchiveOptions): Promise<PngArchive> {
  const archive = await fashionPngFiles(opts);
  await writeZip(path, archive.files);
  return archive;
}

/** The same as makePngZip, as a tar.gz (or a plain tar with `gzip: false`). */
export async function makeTarGz(path: string, opts: PngArchiveOptions & { gzip?: boolean }): Promise<PngArchive> {
  const archive = await fashionPngFiles(opts);
  await writeTar(path, archive.files, { gzip: opts.gzip ?? true });
  return archive;
}

// ---------------------------------------------------------------- IDX

function idxBytes(magic: number, dims: readonly number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

export interface IdxPairFiles {
  images: string;
  labels: string;
  subset: FashionSubset;
}

/**
 * Writes `n` Fashion-MNIST images (every class present once n ≥ 10) as an
 * IDX pair `<prefix>images-idx3-ubyte[.gz]`, `<prefix>labels-idx1-ubyte[.gz]`.
 * `labelCount` writes a different count into the labels header (an inconsistent pair).
 */
export async function makeIdxPair(
  dir: string,
  n: number,
  opts: { gzip?: boolean; split?: FashionSplit; prefix?: string; labelCount?: number } = {},
): Promise<IdxPairFiles> {
  const gzip = opts.gzip ?? true;
  const full = await fashionSubset(Math.ceil(n / FASHION_CLASSES.length), opts.split ?? 'train');
  const subset: FashionSubset = {
    ...full,
    images: full.images.subarray(0, n * FASHION_ROW),
    labels: full.labels.subarray(0, n),
    indices: full.indices.slice(0, n),
    n,
  };
  await mkdir(dir, { recursive: true });
  const ext = gzip ? '.gz' : '';
  const prefix = opts.prefix ?? '';
  const images = join(dir, `${prefix}images-idx3-ubyte${ext}`);
  const labels = join(dir, `${prefix}labels-idx1-ubyte${ext}`);
  const img = idxBytes(0x803, [n, FASHION_SIZE, FASHION_SIZE], subset.images);
  const lab = idxBytes(0x801, [opts.labelCount ?? n], subset.labels.subarray(0, Math.min(n, opts.labelCount ?? n)));
  await writeFile(images, gzip ? gzipSync(img) : img);
  await writeFile(labels, gzip ? gzipSync(lab) : lab);
  return { images, labels, subset };
}

// ---------------------------------------------------------------- hostile uploads

/** Replaces every occurrence of `from` with `to` (same length) in a zip's bytes: local and central headers. */
function patchBytes(buf: Buffer, from: string, to: string): void {
  if (from.length !== to.length) throw new Error('patch must keep the length');
  const needle = Buffer.from(from);
  let at = buf.indexOf(needle);
  if (at < 0) throw new Error(`${from} not found`);
  while (at >= 0) {
    buf.write(to, at, 'latin1');
    at = buf.indexOf(needle, at + needle.length);
  }
}

/**
 * A zip that yazl refuses to write directly: a valid image, then `../evil.txt`
 * and `/tmp/evil-abs.txt` (names patched into the headers).
 */
export async function makeZipSlip(path: string): Promise<void> {
  const sub = await fashionSubset(1, 'train');
  await writeZip(path, [
    { name: 'train/T-shirt_top/0.png', data: await greyPng(sub.images.subarray(0, FASHION_ROW)) },
    { name: 'xx/evil.txt', data: Buffer.from('pwned') },
    { name: 'xtmp/evil-abs.txt', data: Buffer.from('pwned') },
  ]);
  const buf = await readFile(path);
  patchBytes(buf, 'xx/evil.txt', '../evil.txt');
  patchBytes(buf, 'xtmp/evil-abs.txt', '/tmp/evil-abs.txt');
  await writeFile(path, buf);
}

/** A tar with a valid image and a symlink to /etc/passwd disguised as an image. */
export async function makeSymlinkTar(path: string, opts: { gzip?: boolean } = {}): Promise<void> {
  const sub = await fashionSubset(1, 'train');
  await writeTar(
    path,
    [
      { name: 'train/Bag/0.png', data: await greyPng(sub.images.subarray(0, FASHION_ROW)) },
      { name: 'train/Bag/link.png', type: 'symlink', linkname: '/etc/passwd' },
    ],
    { gzip: opts.gzip ?? false },
  );
}

/**
 * Sets the uncompressed size a zip's central directory declares for `name`,
 * making a header that lies (a zip bomb in disguise).
 */
export function setDeclaredZipSize(zip: Buffer, name: string, size: number): void {
  const CENTRAL_SIG = 0x02014b50;
  for (let at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at >= 0; at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)) {
    if (zip.readUInt32LE(at) !== CENTRAL_SIG) continue;
    const nameLen = zip.readUInt16LE(at + 28);
    if (zip.toString('utf8', at + 46, at + 46 + nameLen) === name) {
      zip.writeUInt32LE(size, at + 24);
      return;
    }
  }
  throw new Error(`${name} not in the central directory`);
}

/** A PNG (64×64 RGB noise) cut to 60 % of its bytes: the header reads, the pixels do not. */
export async function truncatedPng(): Promise<Buffer> {
  const w = 64;
  const noise = Buffer.alloc(w * w * 3);
  const r = rng(7);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(r() * 256);
  const png = await sharp(noise, { raw: { width: w, height: w, channels: 3 } }).png().toBuffer();
  return png.subarray(0, Math.floor(png.length * 0.6));
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/**
 * A complete, valid black PNG of `width × height` that stays small on disk:
 * 1-bit greyscale, all-zero rows deflate about 1000:1 (20000² ≈ 50 KB).
 */
export function hugePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const rowBytes = 1 + Math.ceil(width / 8); // filter byte + packed bits
  const idat = deflateSync(Buffer.alloc(rowBytes * height), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
