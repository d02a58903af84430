/**
 * The decoded pixels kept at ingest (pixels.u8) and the pack of originals
 * (images.pack): when a dataset gets decoded pixels, that they are the
 * images' pixels in items order, and that every cache built from them holds
 * the bytes decodeForPredict gives for the original file.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OriginalsReader,
  decodeForPredict,
  ensurePackedCache,
  ingestDataset,
  loadPackedCache,
  readItems,
  readPixelsMeta,
  type PreprocessTarget,
} from '../../src/data/index.js';
import { fashionSubset, greyPng, makePngZip, truncatedPng, writeZip, type ArchiveFile } from '../helpers/fixtures.js';
import { tempDataDir, type TempDataDir } from './helpers.js';

let dd: TempDataDir;
beforeAll(async () => {
  dd = await tempDataDir();
});
afterAll(async () => {
  await dd.cleanup();
});

const TARGETS: PreprocessTarget[] = [
  { height: 28, width: 28, channels: 1, resize: 'stretch' },
  { height: 28, width: 28, channels: 3, resize: 'stretch' },
  { height: 32, width: 32, channels: 3, resize: 'pad' },
  { height: 20, width: 24, channels: 1, resize: 'crop' },
  { height: 12, width: 12, channels: 1, resize: 'stretch' },
  // Small enough for sharp to shrink a JPEG while loading it.
  { height: 9, width: 9, channels: 3, resize: 'pad' },
];

/** Every cache row equals what decodeForPredict makes of the stored original. */
async function expectCachesMatchPredict(datasetDir: string, targets = TARGETS): Promise<void> {
  const items = await readItems(datasetDir);
  const originals = new OriginalsReader(datasetDir);
  const files = await Promise.all(items.map((it) => originals.read(it)));
  await originals.close();
  for (const t of targets) {
    const { images } = await loadPackedCache(await ensurePackedCache(datasetDir, t));
    const predicted = await decodeForPredict(files, { ...t, maxImagePixels: 25_000_000 });
    expect(Buffer.compare(images, predicted.images), `${t.height}x${t.width}x${t.channels}-${t.resize}`).toBe(0);
  }
}

/** 28×28 Fashion-MNIST images encoded by `encode`, under train/ and test/ class folders. */
async function fashionFiles(n: number, encode: (pixels: Buffer, i: number) => Promise<Buffer>, ext: string): Promise<ArchiveFile[]> {
  const sub = await fashionSubset(Math.ceil(n / 10));
  const files: ArchiveFile[] = [];
  for (let i = 0; i < n; i++) {
    const pixels = Buffer.from(sub.images.subarray(i * 784, (i + 1) * 784));
    const split = i % 4 === 3 ? 'test' : 'train';
    files.push({ name: `${split}/c${sub.labels[i]! % 3}/${i}${ext}`, data: await encode(pixels, i) });
  }
  return files;
}

/** 28×28 grey pixels, to be encoded. */
function greyFile(pixels: Buffer): Sharp {
  return sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } }).toColourspace('b-w');
}

async function ingestZip(name: string, files: readonly ArchiveFile[], limits = {}): Promise<string> {
  const file = dd.upload(`${name}.zip`);
  await writeZip(file, files);
  const datasetDir = dd.datasetDir(name);
  await ingestDataset({ kind: 'archive', file }, { datasetDir, limits });
  return datasetDir;
}

describe('decoded pixels', () => {
  it('skipped train images leave no gap: test rows follow the valid train rows', async () => {
    const file = dd.upload('gaps.zip');
    const archive = await makePngZip(file, {
      perClass: 2,
      testPerClass: 1,
      classes: ['Bag', 'Coat', 'Dress'],
      extra: [
        { name: 'train/Bag/cut.png', data: await truncatedPng() },
        { name: 'train/Coat/text.png', data: Buffer.from('not an image at all') },
      ],
    });
    const datasetDir = dd.datasetDir('gaps');
    const manifest = await ingestDataset({ kind: 'archive', file }, { datasetDir });
    expect(manifest.skippedCount).toBe(2);
    const items = await readItems(datasetDir);
    expect(items.map((i) => i.split)).toEqual([...new Array(6).fill('train'), ...new Array(3).fill('test')]);
    const pixels = await readFile(join(datasetDir, 'pixels.u8'));
    expect(pixels.length).toBe(9 * 784);
    const byName = new Map(archive.entries.map((e) => [e.name, e]));
    items.forEach((it, i) => expect(Buffer.compare(pixels.subarray(i * 784, (i + 1) * 784), byName.get(it.source)!.pixels)).toBe(0));
    expect(await readPixelsMeta(datasetDir)).toEqual({ n: 9, height: 28, width: 28, channels: 1, kinds: ['png'] });
  });

  it('a cache at the native size is pixels.u8 itself (a hard link)', async () => {
    const file = dd.upload('link.zip');
    await makePngZip(file, { perClass: 1, classes: ['Bag', 'Coat'] });
    const datasetDir = dd.datasetDir('link');
    await ingestDataset({ kind: 'archive', file }, { datasetDir });
    const cache = await ensurePackedCache(datasetDir, { height: 28, width: 28, channels: 1, resize: 'crop' });
    expect((await stat(cache.imagesPath)).ino).toBe((await stat(join(datasetDir, 'pixels.u8'))).ino);
  });

  it('RGBA PNGs: flattened to 3 channels; every cache matches prediction', async () => {
    const files = await fashionFiles(12, async (px, i) => {
      const rgba = Buffer.alloc(784 * 4);
      for (let p = 0; p < 784; p++) rgba.set([px[p]!, (px[p]! * i) & 255, 255 - px[p]!, (p * 7 + i) & 255], 4 * p);
      return sharp(rgba, { raw: { width: 28, height: 28, channels: 4 } }).png().toBuffer();
    }, '.png');
    const datasetDir = await ingestZip('rgba', files);
    expect(await readPixelsMeta(datasetDir)).toMatchObject({ n: 12, channels: 3, kinds: ['png'] });
    await expectCachesMatchPredict(datasetDir);
  });

  it('JPEGs: pixels kept; every cache matches prediction', async () => {
    const files = await fashionFiles(12, (px) => greyFile(px).jpeg({ quality: 70 }).toBuffer(), '.jpg');
    const datasetDir = await ingestZip('jpeg', files);
    expect(await readPixelsMeta(datasetDir)).toMatchObject({ n: 12, channels: 1, kinds: ['jpeg'] });
    await expectCachesMatchPredict(datasetDir);
  });

  it('WebPs: every cache matches prediction', async () => {
    const files = await fashionFiles(8, (px) => greyFile(px).webp({ quality: 80 }).toBuffer(), '.webp');
    const datasetDir = await ingestZip('webp', files);
    expect(await readPixelsMeta(datasetDir)).toMatchObject({ n: 8, kinds: ['webp'] });
    await expectCachesMatchPredict(datasetDir);
  });

  it('caches are built from pixels.u8 at any size, for every kind (preprocessing decodes at full size first)', async () => {
    // Zeroed pixels show which caches were built from them.
    const dirs = [
      await ingestZip('route-png', await fashionFiles(8, (px) => greyPng(px), '.png')),
      await ingestZip('route-jpeg', await fashionFiles(8, (px) => greyFile(px).jpeg().toBuffer(), '.jpg')),
      await ingestZip('route-webp', await fashionFiles(8, (px) => greyFile(px).webp().toBuffer(), '.webp')),
    ];
    for (const dir of dirs) await writeFile(join(dir, 'pixels.u8'), Buffer.alloc((await stat(join(dir, 'pixels.u8'))).size));
    const zeros = async (dir: string, t: PreprocessTarget) => (await loadPackedCache(await ensurePackedCache(dir, t))).images.every((v) => v === 0);
    for (const dir of dirs) {
      expect(await zeros(dir, { height: 12, width: 12, channels: 1, resize: 'stretch' }), dir).toBe(true);
      expect(await zeros(dir, { height: 40, width: 40, channels: 3, resize: 'pad' }), dir).toBe(true);
    }
    // Without pixels.u8 the files are decoded: the same dataset's cache is not all zeros.
    await rm(join(dirs[1]!, 'pixels.u8'));
    await rm(join(dirs[1]!, 'pixels.json'));
    expect(await zeros(dirs[1]!, { height: 14, width: 14, channels: 1, resize: 'crop' })).toBe(false);
  });

  it('none when sizes or channels differ (a rotated JPEG with its sRGB profile decodes to colour); 16-bit images are kept at 8 bits; caches still match prediction', async () => {
    const sub = await fashionSubset(1);
    const px = sub.images.subarray(0, 784);
    const grey = (w: number, h: number) => sharp(Buffer.alloc(w * h, 90), { raw: { width: w, height: h, channels: 1 } }).toColourspace('b-w');
    const cases: Record<string, ArchiveFile[]> = {
      sizes: [
        { name: 'a/0.png', data: await greyPng(px) },
        { name: 'b/0.png', data: await grey(30, 20).png().toBuffer() },
      ],
      deep: [
        { name: 'a/0.png', data: await greyPng(px) },
        { name: 'b/0.png', data: await grey(28, 28).toColourspace('grey16').png().toBuffer() },
      ],
      rotated: [
        { name: 'a/0.jpg', data: await greyFile(px).jpeg().withMetadata({ orientation: 6 }).toBuffer() },
        { name: 'b/0.png', data: await greyPng(px) },
      ],
    };
    for (const [name, files] of Object.entries(cases)) {
      const datasetDir = await ingestZip(`none-${name}`, files);
      expect(existsSync(join(datasetDir, 'pixels.u8')), name).toBe(name === 'deep');
      if (name !== 'deep') expect(await readPixelsMeta(datasetDir)).toBeNull();
      else expect(await readPixelsMeta(datasetDir), name).toMatchObject({ n: 2, height: 28, width: 28, channels: 1 });
      await expectCachesMatchPredict(datasetDir, TARGETS.slice(0, 3));
    }
  });

  it('none when the pixels would be larger than maxInflatedBytes', async () => {
    const solid = (v: number) => sharp(Buffer.alloc(32 * 32 * 3, v), { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer();
    const files = [
      { name: 'a/0.png', data: await solid(10) },
      { name: 'a/1.png', data: await solid(20) },
      { name: 'b/0.png', data: await solid(30) },
    ];
    const total = files.reduce((n, f) => n + f.data.length, 0);
    const datasetDir = await ingestZip('budget', files, { maxInflatedBytes: Math.max(total, 3 * 32 * 32 * 3 - 1) });
    expect(await readPixelsMeta(datasetDir)).toBeNull();
    expect(existsSync(join(datasetDir, 'pixels.u8'))).toBe(false);
  });
});

describe('datasets stored one file per image', () => {
  it('still build caches from files/ named by items.json', async () => {
    const file = dd.upload('legacy.zip');
    await makePngZip(file, { perClass: 1, testPerClass: 1, classes: ['Bag', 'Coat'] });
    const datasetDir = dd.datasetDir('legacy');
    await ingestDataset({ kind: 'archive', file }, { datasetDir });
    const items = await readItems(datasetDir);
    const originals = new OriginalsReader(datasetDir);
    await mkdir(join(datasetDir, 'files'));
    const legacy = [];
    for (const [i, item] of items.entries()) {
      const { offset: _o, length: _l, kind: _k, ...rest } = item as typeof item & { offset: number; length: number; kind: string };
      const name = `files/${String(i).padStart(6, '0')}.png`;
      await writeFile(join(datasetDir, name), await originals.read(item));
      legacy.push({ ...rest, file: name });
    }
    await originals.close();
    await writeFile(join(datasetDir, 'items.json'), JSON.stringify(legacy));
    for (const f of ['images.pack', 'pixels.u8', 'pixels.json']) await rm(join(datasetDir, f));
    await expectCachesMatchPredict(datasetDir, TARGETS.slice(0, 2));
  });
});
