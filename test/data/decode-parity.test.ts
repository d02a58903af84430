/**
 * The pixels ingest keeps are sharp's: for every kind of file the probe
 * decodes, its pixels equal sharp's decode of the file exactly for PNG and
 * WebP and within 1 per channel for JPEG; and a packed cache built from the
 * kept pixels equals what prediction makes of the files themselves, so a
 * model is served the pixels it was trained on.
 */
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeForPredict, ensurePackedCache, ingestDataset, loadPackedCache, readItems, readPixelsMeta } from '../../src/data/index.js';
import { perceptual, perceptualFromCells } from '../../src/data/fingerprint.js';
import { probeImage } from '../../src/data/image.js';
import { decodePlainPng } from '../../src/data/png-decode.js';
import { decodeNative, nativeDecodeAvailable } from '../../src/data/native-decode.js';
import { writeZip, type ArchiveFile } from '../helpers/fixtures.js';
import { rng } from './preflight-fixtures.js';
import { tempDataDir, type TempDataDir } from './helpers.js';

/** A photo-like picture: a gradient, two shapes and noise, so that lossy codecs have work to do. */
function picture(w: number, h: number, c: 1 | 3 | 4, seed: number): Buffer {
  const next = rng(seed);
  const px = Buffer.alloc(w * h * c);
  const cx = next() * w;
  const cy = next() * h;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < (w / 4) ** 2;
      for (let k = 0; k < c; k++) {
        const v = k === 3 ? 128 + 127 * Math.sin(x / 5) : inside ? 200 - 40 * k : (x * 255) / w + (k * y * 60) / h;
        px[(y * w + x) * c + k] = Math.max(0, Math.min(255, v + (next() - 0.5) * 30));
      }
    }
  }
  return px;
}

const raw = (w: number, h: number, c: 1 | 3 | 4, seed: number) => sharp(picture(w, h, c, seed), { raw: { width: w, height: h, channels: c } });

/** sharp's decode as the probe asks for it: alpha onto black, grey as grey, colour as sRGB. */
async function sharpPixels(file: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { space } = await sharp(file).metadata();
  const { data, info } = await sharp(file)
    .flatten({ background: { r: 0, g: 0, b: 0, alpha: 1 } })
    .toColourspace(space === 'b-w' ? 'b-w' : 'srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

function maxDiff(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('probe pixels against sharp', () => {
  it('PNG (plain grey and RGB, palette, alpha, interlaced) and WebP (lossy, lossless, alpha): equal; JPEG (plain, grey, progressive, 4:4:4): within 1', async () => {
    const files: Array<[string, Buffer, number]> = [
      ['grey.png', await raw(31, 17, 1, 1).toColourspace('b-w').png().toBuffer(), 0],
      ['rgb.png', await raw(40, 30, 3, 2).png().toBuffer(), 0],
      ['palette.png', await raw(24, 24, 3, 3).png({ palette: true, colours: 16 }).toBuffer(), 0],
      ['rgba.png', await raw(20, 12, 4, 4).png().toBuffer(), 0],
      ['interlaced.png', await raw(33, 21, 3, 5).png({ progressive: true }).toBuffer(), 0],
      ['lossy.webp', await raw(40, 30, 3, 6).webp({ quality: 80 }).toBuffer(), 0],
      ['lossless.webp', await raw(40, 30, 3, 7).webp({ lossless: true }).toBuffer(), 0],
      ['alpha.webp', await raw(24, 20, 4, 8).webp({ quality: 90 }).toBuffer(), 0],
      ['photo.jpg', await raw(400, 300, 3, 9).jpeg({ quality: 85 }).toBuffer(), 1],
      ['grey.jpg', await raw(37, 29, 1, 10).toColourspace('b-w').jpeg().toBuffer(), 1],
      ['progressive.jpg', await raw(64, 48, 3, 11).jpeg({ progressive: true }).toBuffer(), 1],
      ['444.jpg', await raw(50, 40, 3, 12).jpeg({ chromaSubsampling: '4:4:4', quality: 95 }).toBuffer(), 1],
    ];
    for (const [name, file, tolerance] of files) {
      const probe = await probeImage(file, 1_000_000, name);
      const want = await sharpPixels(file);
      expect(probe.ok, name).toBe(true);
      if (!probe.ok) continue;
      expect(probe.decoded, name).not.toBeNull();
      expect({ width: probe.decoded!.width, height: probe.decoded!.height, channels: probe.decoded!.channels }, name).toEqual({
        width: want.width,
        height: want.height,
        channels: want.channels,
      });
      expect(maxDiff(probe.decoded!.data, want.data), name).toBeLessThanOrEqual(tolerance);
    }
  });
});

describe('the native decoder (cnn_decode)', () => {
  it('is built, decodes plain JPEGs within 1 per channel of sharp, and averages the dHash grid exactly as fingerprint.ts', async () => {
    expect(nativeDecodeAvailable()).toBe(true);
    const jpegs = [
      await raw(400, 300, 3, 21).jpeg({ quality: 85 }).toBuffer(),
      await raw(37, 29, 1, 22).toColourspace('b-w').jpeg().toBuffer(),
      await raw(64, 48, 3, 23).jpeg({ progressive: true }).toBuffer(),
      await raw(50, 40, 3, 24).jpeg({ chromaSubsampling: '4:4:4', quality: 95 }).toBuffer(),
      await raw(7, 5, 3, 25).jpeg().toBuffer(),
    ];
    // Asked for in one turn: one batch.
    const decoded = await Promise.all(jpegs.map((j) => decodeNative(j, 'jpeg', 1_000_000)));
    for (const [i, jpeg] of jpegs.entries()) {
      const got = decoded[i]!;
      expect(got, `jpeg ${i}`).not.toBeNull();
      const want = await sharpPixels(jpeg);
      expect({ width: got.width, height: got.height, channels: got.channels }, `jpeg ${i}`).toEqual({ width: want.width, height: want.height, channels: want.channels });
      expect(maxDiff(got.data, want.data), `jpeg ${i}`).toBeLessThanOrEqual(1);
      const js = perceptual(got.data, got.width, got.height, got.channels);
      const fromCells = perceptualFromCells(got.cells);
      expect(fromCells.dhash, `jpeg ${i}`).toBe(js.dhash);
      expect([...fromCells.thumb], `jpeg ${i}`).toEqual([...js.thumb]);
    }
  });

  it('decodes plain PNGs exactly as sharp and png-decode.ts, in batches of any size, and declines what it leaves to sharp', async () => {
    const plain: Buffer[] = [];
    for (let i = 0; i < 100; i++) {
      const w = 1 + ((i * 7) % 60);
      const h = 1 + ((i * 13) % 45);
      const grey = i % 2 === 0;
      // Every filter type occurs: sharp picks them adaptively; compression 0 and 9 make stored and deflated streams.
      plain.push(await (grey ? raw(w, h, 1, 200 + i).toColourspace('b-w') : raw(w, h, 3, 200 + i)).png({ compressionLevel: i % 3 === 0 ? 0 : 9, adaptiveFiltering: true }).toBuffer());
    }
    const got = await Promise.all(plain.map((p) => decodeNative(p, 'png', 1_000_000)));
    for (const [i, png] of plain.entries()) {
      const d = got[i]!;
      expect(d, `png ${i}`).not.toBeNull();
      const want = await sharpPixels(png);
      expect({ width: d.width, height: d.height, channels: d.channels }, `png ${i}`).toEqual({ width: want.width, height: want.height, channels: want.channels });
      expect(maxDiff(d.data, want.data), `png ${i}`).toBe(0);
      expect(maxDiff(d.data, decodePlainPng(png, 1e6)!.data), `png ${i}`).toBe(0);
      const js = perceptual(d.data, d.width, d.height, d.channels);
      expect(perceptualFromCells(d.cells).dhash, `png ${i}`).toBe(js.dhash);
    }

    const base = () => raw(20, 10, 3, 300);
    const good = await base().png().toBuffer();
    const crcBroken = Buffer.from(good);
    crcBroken[40] = crcBroken[40]! ^ 0xff;
    const declined: Record<string, Buffer> = {
      palette: await base().png({ palette: true }).toBuffer(),
      alpha: await raw(20, 10, 4, 301).png().toBuffer(),
      interlaced: await base().png({ progressive: true }).toBuffer(),
      sixteenBit: await base().toColourspace('rgb16').png().toBuffer(),
      truncated: good.subarray(0, good.length - 20),
      noIend: good.subarray(0, good.length - 12),
      crcBroken,
      notPng: Buffer.from('not a png at all, just text'),
    };
    const answers = await Promise.all(Object.values(declined).map((b) => decodeNative(b, 'png', 1_000_000)));
    Object.keys(declined).forEach((what, i) => expect(answers[i], what).toBeNull());
    // The pixel limit is read from the header: 200 pixels, one too many.
    expect(await decodeNative(good, 'png', 199)).toBeNull();
    expect(await decodeNative(good, 'png', 200)).not.toBeNull();
  });

  it('declines a truncated JPEG and one over the pixel limit (the probe then asks sharp, which says why)', async () => {
    const jpeg = await raw(64, 48, 3, 26).jpeg().toBuffer();
    const [cutNative, over, notJpeg, fits] = await Promise.all([
      decodeNative(jpeg.subarray(0, jpeg.length - 300), 'jpeg', 1_000_000),
      decodeNative(jpeg, 'jpeg', 64 * 48 - 1),
      decodeNative(Buffer.from('not a jpeg'), 'jpeg', 1_000_000),
      decodeNative(jpeg, 'jpeg', 64 * 48),
    ]);
    expect([cutNative, over, notJpeg]).toEqual([null, null, null]);
    expect(fits).not.toBeNull();
    const cut = await probeImage(jpeg.subarray(0, jpeg.length - 300), 1_000_000, 'cut.jpg');
    expect(cut).toMatchObject({ ok: false });
    expect(cut.ok ? '' : cut.reason).toMatch(/^corrupt or truncated jpeg: /);
  });
});

describe('packed cache from kept pixels against prediction from the files', () => {
  let dd: TempDataDir;
  beforeAll(async () => {
    dd = await tempDataDir();
  });
  afterAll(async () => {
    await dd.cleanup();
  });

  for (const [kind, encode] of [
    ['jpeg', (s: Sharp) => s.jpeg({ quality: 85 })],
    ['png', (s: Sharp) => s.png()],
    ['webp', (s: Sharp) => s.webp({ quality: 80 })],
  ] as const) {
    it(`400×300 ${kind} photos at 224×224×3 and 28×28×1: the cache rows equal decodeForPredict's, byte for byte`, async () => {
      const files: ArchiveFile[] = [];
      for (let i = 0; i < 6; i++) files.push({ name: `${i % 3 === 2 ? 'test' : 'train'}/c${i % 2}/${i}.${kind}`, data: await encode(raw(400, 300, 3, 100 + i)).toBuffer() });
      const zip = dd.upload(`photos-${kind}.zip`);
      await writeZip(zip, files);
      const dir = dd.datasetDir(`photos-${kind}`);
      await ingestDataset({ kind: 'archive', file: zip }, { datasetDir: dir });
      const items = await readItems(dir);
      // The probe's pixels were kept (pixels.u8); the 224×224 cache is made from them, the 28×28 one from the files.
      expect(await readPixelsMeta(dir)).toMatchObject({ n: files.length, height: 300, width: 400, channels: 3, kinds: [kind] });
      const byName = new Map(files.map((f) => [f.name, f.data]));
      for (const target of [
        { height: 224, width: 224, channels: 3 as const, resize: 'stretch' as const },
        { height: 28, width: 28, channels: 1 as const, resize: 'crop' as const },
      ]) {
        const cache = await loadPackedCache(await ensurePackedCache(dir, target));
        const predicted = await decodeForPredict(
          items.map((it) => byName.get(it.source)!),
          { ...target, maxImagePixels: 1_000_000 },
        );
        expect(cache.meta.n).toBe(files.length);
        expect(cache.images.equals(predicted.images), `${kind} ${target.height}x${target.width}x${target.channels}`).toBe(true);
      }
    });
  }
});
