import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OriginalsReader,
  decodeForPredict,
  ensurePackedCache,
  ingestDataset,
  loadPackedCache,
  readItems,
  type ResizePolicy,
} from '../../src/data/index.js';
import { FASHION_CLASSES, hugePng, makeIdxPair, makePngZip, writeZip, type PngArchive } from '../helpers/fixtures.js';
import { expectCnnError, tempDataDir, type TempDataDir } from './helpers.js';

const ROW = 28 * 28;
let dd: TempDataDir;
let idxDir: string;
let idxPixels: Buffer;
let idxLabels: number[];
let zipDir: string;
let zipArchive: PngArchive;

beforeAll(async () => {
  dd = await tempDataDir();
  const train = await makeIdxPair(join(dd.uploads, 'idx'), 20, { prefix: 'train-' });
  const test = await makeIdxPair(join(dd.uploads, 'idx'), 10, { prefix: 't10k-', split: 'test' });
  idxDir = dd.datasetDir('idx');
  await ingestDataset(
    { kind: 'idx', train: { images: train.images, labels: train.labels }, test: { images: test.images, labels: test.labels } },
    { datasetDir: idxDir },
  );
  idxPixels = Buffer.concat([train.subset.images, test.subset.images]);
  idxLabels = [...train.subset.labels, ...test.subset.labels];

  const zip = dd.upload('fashion.zip');
  zipArchive = await makePngZip(zip, { perClass: 2, testPerClass: 1 });
  zipDir = dd.datasetDir('zip');
  await ingestDataset({ kind: 'archive', file: zip }, { datasetDir: zipDir });
});
afterAll(async () => {
  await dd.cleanup();
});

describe('packed cache of an IDX dataset', () => {
  it('at the native size is the raw pixels, byte for byte, with labels and splits', async () => {
    const cache = await ensurePackedCache(idxDir, { height: 28, width: 28, channels: 1, resize: 'stretch' });
    expect(cache.reused).toBe(false);
    expect(cache.imagesPath).toBe(join(idxDir, 'cache', '28x28x1-stretch.u8'));
    expect(cache.meta).toMatchObject({ n: 30, height: 28, width: 28, channels: 1, resize: 'stretch' });
    expect(cache.meta.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(cache.meta.splits).toEqual({ train: { offset: 0, count: 20 }, test: { offset: 20, count: 10 } });
    const { images, labels } = await loadPackedCache(cache);
    expect(Buffer.compare(images, idxPixels)).toBe(0);
    expect(labels).toBeInstanceOf(Int32Array);
    expect(Array.from(labels)).toEqual(idxLabels);
  });

  it('is reused on the second call without being rewritten', async () => {
    const opts = { height: 28, width: 28, channels: 1, resize: 'stretch' } as const;
    const first = await ensurePackedCache(idxDir, opts);
    const before = await Promise.all([first.imagesPath, first.labelsPath, first.metaPath].map((p) => stat(p)));
    await new Promise((r) => setTimeout(r, 20));
    const second = await ensurePackedCache(idxDir, opts);
    expect(second.reused).toBe(true);
    expect(second.meta).toEqual(first.meta);
    const after = await Promise.all([second.imagesPath, second.labelsPath, second.metaPath].map((p) => stat(p)));
    after.forEach((s, i) => {
      expect(s.mtimeMs).toBe(before[i]!.mtimeMs);
      expect(s.ino).toBe(before[i]!.ino);
    });
  });

  it('resizes from raw pixels to another size and to RGB', async () => {
    const cache = await ensurePackedCache(idxDir, { height: 32, width: 32, channels: 3, resize: 'pad' });
    const { images, labels } = await loadPackedCache(cache);
    expect(images.length).toBe(30 * 32 * 32 * 3);
    expect(Array.from(labels)).toEqual(idxLabels);
    // Grey replicated into R, G, B.
    for (let p = 0; p < 32 * 32; p += 37) {
      expect(images[3 * p]).toBe(images[3 * p + 1]);
      expect(images[3 * p]).toBe(images[3 * p + 2]);
    }
  });
});

/** Cache rows in items order, matched to the archive entries they came from. */
async function entriesInCacheOrder(datasetDir: string, archive: PngArchive) {
  const byName = new Map(archive.entries.map((e) => [e.name, e]));
  return (await readItems(datasetDir)).map((it) => byName.get(it.source)!);
}

describe('packed cache of a PNG archive', () => {
  it('at 28×28×1 equals the source pixels byte for byte, with labels and splits', async () => {
    const cache = await ensurePackedCache(zipDir, { height: 28, width: 28, channels: 1, resize: 'stretch' });
    expect(cache.meta.n).toBe(30);
    expect(cache.meta.classes).toEqual([...FASHION_CLASSES].sort());
    expect(cache.meta.splits).toEqual({ train: { offset: 0, count: 20 }, test: { offset: 20, count: 10 } });
    const { images, labels } = await loadPackedCache(cache);
    const entries = await entriesInCacheOrder(zipDir, zipArchive);
    entries.forEach((e, i) => {
      expect(Buffer.compare(images.subarray(i * ROW, (i + 1) * ROW), e.pixels), e.name).toBe(0);
      expect(labels[i]).toBe(zipArchive.classes.indexOf(e.className));
      expect(i < 20 ? 'train' : 'test').toBe(e.split);
    });
  });

  it.each<[ResizePolicy, number, number]>([
    ['stretch', 20, 36],
    ['pad', 20, 36],
    ['crop', 20, 36],
    ['pad', 28, 40],
  ])('resize %s to %i×%i gives that shape', async (resize, height, width) => {
    const cache = await ensurePackedCache(zipDir, { height, width, channels: 1, resize });
    expect(cache.meta).toMatchObject({ height, width, channels: 1, resize });
    const { images } = await loadPackedCache(cache);
    expect(images.length).toBe(30 * height * width);
    if (resize === 'pad' && height === 28) {
      // 28×28 into 28×40: unscaled in the middle, 6 black columns each side.
      const entries = await entriesInCacheOrder(zipDir, zipArchive);
      const row0 = images.subarray(0, 28 * 40);
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 40; x++) {
          const v = row0[y * 40 + x];
          if (x < 6 || x >= 34) expect(v).toBe(0);
          else expect(v).toBe(entries[0]!.pixels[y * 28 + x - 6]);
        }
      }
    }
  });

  it('converts grey to RGB and RGB to grey', async () => {
    const rgb = await loadPackedCache(await ensurePackedCache(zipDir, { height: 28, width: 28, channels: 3, resize: 'stretch' }));
    const grey = await loadPackedCache(await ensurePackedCache(zipDir, { height: 28, width: 28, channels: 1, resize: 'stretch' }));
    for (let p = 0; p < ROW; p++) {
      expect([rgb.images[3 * p], rgb.images[3 * p + 1], rgb.images[3 * p + 2]]).toEqual(Array(3).fill(grey.images[p]));
    }

    // An RGB(A) archive: pure colours and a half-transparent pixel, to grey.
    const w = 4;
    const px = Buffer.alloc(w * w * 4);
    for (let i = 0; i < w * w; i++) px.set(i % 2 ? [255, 0, 0, 255] : [90, 90, 90, 255], 4 * i);
    px.set([200, 200, 200, 0], 4 * (w * w - 1)); // fully transparent → flattened onto black
    const png = await sharp(px, { raw: { width: w, height: w, channels: 4 } }).png().toBuffer();
    const file = dd.upload('rgba.zip');
    await writeZip(file, [
      { name: 'a/0.png', data: png },
      { name: 'b/0.png', data: png },
    ]);
    const dir = dd.datasetDir('rgba');
    const manifest = await ingestDataset({ kind: 'archive', file }, { datasetDir: dir });
    expect(manifest.imageStats.channels).toEqual({ 4: 2 });
    const g = await loadPackedCache(await ensurePackedCache(dir, { height: w, width: w, channels: 1, resize: 'stretch' }));
    expect(g.images.length).toBe(2 * w * w);
    expect(Math.abs(g.images[0]! - 90)).toBeLessThanOrEqual(1);
    // libvips takes luminance in linear light: pure red (Y = 0.2126) is 127 in sRGB-encoded grey.
    expect(Math.abs(g.images[1]! - 127)).toBeLessThanOrEqual(2);
    expect(g.images[w * w - 1]).toBe(0);
    const c = await loadPackedCache(await ensurePackedCache(dir, { height: w, width: w, channels: 3, resize: 'stretch' }));
    expect(Array.from(c.images.subarray(3, 6))).toEqual([255, 0, 0]);
    expect(Array.from(c.images.subarray(3 * (w * w - 1), 3 * w * w))).toEqual([0, 0, 0]);
  });

  it('survives two concurrent builders of the same cache', async () => {
    const opts = { height: 24, width: 24, channels: 1, resize: 'crop' } as const;
    const [a, b] = await Promise.all([ensurePackedCache(zipDir, opts), ensurePackedCache(zipDir, opts)]);
    expect(a.meta).toEqual(b.meta);
    const loaded = await loadPackedCache(a);
    expect(loaded.images.length).toBe(30 * 24 * 24);
    const again = await ensurePackedCache(zipDir, opts);
    expect(again.reused).toBe(true);
    expect((await readdir(join(zipDir, 'cache'))).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a nonsense shape with VALIDATION_FAILED', async () => {
    await expectCnnError(ensurePackedCache(zipDir, { height: 0, width: 28, channels: 1, resize: 'stretch' }), 'VALIDATION_FAILED');
    await expectCnnError(ensurePackedCache(zipDir, { height: 28, width: 28, channels: 2 as 1, resize: 'stretch' }), 'VALIDATION_FAILED');
  });
});

describe('decodeForPredict', () => {
  it.each<[number, number, 1 | 3, ResizePolicy]>([
    [28, 28, 1, 'stretch'],
    [32, 20, 3, 'pad'],
    [20, 20, 1, 'crop'],
  ])('gives the cache row for the same PNG (%i×%i×%i %s)', async (height, width, channels, resize) => {
    const target = { height, width, channels, resize };
    const { images } = await loadPackedCache(await ensurePackedCache(zipDir, target));
    const items = await readItems(zipDir);
    const picks = [0, 7, 25];
    const originals = new OriginalsReader(zipDir);
    const pngs = await Promise.all(picks.map((i) => originals.read(items[i]!)));
    await originals.close();
    const out = await decodeForPredict(pngs, { ...target, maxImagePixels: 1_000_000 });
    expect(out.n).toBe(3);
    const row = height * width * channels;
    picks.forEach((i, k) => {
      expect(Buffer.compare(out.images.subarray(k * row, (k + 1) * row), images.subarray(i * row, (i + 1) * row))).toBe(0);
    });
  });

  it('names the bad image: PREDICT_BAD_IMAGE and IMAGE_PIXEL_LIMIT', async () => {
    const good = zipArchive.entries[0]!.png;
    const opts = { height: 28, width: 28, channels: 1, resize: 'stretch', maxImagePixels: 25_000_000 } as const;
    const err = await expectCnnError(decodeForPredict([good, Buffer.from('text')], opts), 'PREDICT_BAD_IMAGE');
    expect(err.path).toBe('images[1]');
    const cut = await expectCnnError(decodeForPredict([good.subarray(0, good.length - 40)], opts), 'PREDICT_BAD_IMAGE');
    expect(cut.path).toBe('images[0]');
    const big = await expectCnnError(decodeForPredict([good, hugePng(20000, 20000)], { ...opts, field: 'image' }), 'IMAGE_PIXEL_LIMIT');
    expect(big.path).toBe('image[1]');
  });
});

describe('housekeeping', () => {
  it('ensurePackedCache on a missing dataset → NOT_FOUND', async () => {
    await expectCnnError(ensurePackedCache(dd.datasetDir('nope'), { height: 28, width: 28, channels: 1, resize: 'stretch' }), 'NOT_FOUND');
  });

  it('removeStaleTemps removes only old temp names', async () => {
    const { mkdir, utimes, writeFile } = await import('node:fs/promises');
    const { removeStaleTemps } = await import('../../src/data/index.js');
    const dir = join(dd.root, 'stale');
    await mkdir(join(dir, 'ds_1.tmp-123-0123456789ab'), { recursive: true });
    await writeFile(join(dir, 'x.u8.tmp-9-abcdefabcdef'), 'x');
    await writeFile(join(dir, 'fresh.u8.tmp-9-000000000000'), 'x');
    await writeFile(join(dir, 'keep.u8'), 'x');
    const old = new Date(Date.now() - 2 * 3600_000);
    await utimes(join(dir, 'ds_1.tmp-123-0123456789ab'), old, old);
    await utimes(join(dir, 'x.u8.tmp-9-abcdefabcdef'), old, old);
    await utimes(join(dir, 'keep.u8'), old, old);
    expect((await removeStaleTemps(dir, 3600_000)).sort()).toEqual(['ds_1.tmp-123-0123456789ab', 'x.u8.tmp-9-abcdefabcdef']);
    expect((await readdir(dir)).sort()).toEqual(['fresh.u8.tmp-9-000000000000', 'keep.u8']);
  });
});
