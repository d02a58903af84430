/** readJpegHeader against sharp's own metadata, the JPEGs it leaves to sharp, and the probe that uses it. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { probeImage } from '../../src/data/image.js';
import { readJpegHeader } from '../../src/data/jpeg-header.js';

function pixels(w: number, h: number, c: number): Buffer {
  const b = Buffer.alloc(w * h * c);
  for (let i = 0; i < b.length; i++) b[i] = (i * 37 + (i >> 5)) & 255;
  return b;
}

const raw = (w: number, h: number, c: 1 | 3 | 4) => sharp(pixels(w, h, c), { raw: { width: w, height: h, channels: c } });

describe('readJpegHeader', () => {
  it('agrees with sharp metadata on plain JPEGs: sizes, channels, colour space and depth', async () => {
    const jpegs: Record<string, Buffer> = {
      grey: await raw(37, 21, 1).toColourspace('b-w').jpeg().toBuffer(),
      rgb: await raw(40, 30, 3).jpeg({ quality: 85 }).toBuffer(),
      rgb444: await raw(17, 9, 3).jpeg({ chromaSubsampling: '4:4:4' }).toBuffer(),
      progressive: await raw(33, 65, 3).jpeg({ progressive: true }).toBuffer(),
      optimised: await raw(8, 8, 3).jpeg({ optimiseCoding: true, quantisationTable: 3 }).toBuffer(),
    };
    for (const [name, jpeg] of Object.entries(jpegs)) {
      const m = await sharp(jpeg).metadata();
      expect(readJpegHeader(jpeg), name).toEqual({ width: m.width, height: m.height, channels: m.channels, space: m.space, depth: m.depth });
      expect(m.hasProfile, name).toBe(false);
      expect(m.orientation ?? 1, name).toBe(1);
    }
  });

  it('leaves EXIF (orientation), colour profiles, CMYK, broken and non-JPEG bytes to sharp', async () => {
    expect(readJpegHeader(await raw(7, 5, 3).jpeg().withMetadata({ orientation: 6 }).toBuffer())).toBeNull();
    expect(readJpegHeader(await raw(7, 5, 3).withIccProfile('p3').jpeg().toBuffer())).toBeNull();
    expect(readJpegHeader(await raw(7, 5, 4).toColourspace('cmyk').jpeg().toBuffer())).toBeNull();
    const rgb = await raw(40, 30, 3).jpeg().toBuffer();
    // Cut inside the header segments: no start of scan is reached.
    expect(readJpegHeader(rgb.subarray(0, 100))).toBeNull();
    expect(readJpegHeader(Buffer.from([0xff, 0xd8, 0xff]))).toBeNull();
    expect(readJpegHeader(Buffer.from('not a jpeg at all, not even close'))).toBeNull();
  });

  it('the probe of a JPEG read by it keeps the defences: a truncated file is skipped, an oversized one fails the upload', async () => {
    const rgb = await raw(64, 48, 3).jpeg().toBuffer();
    expect(readJpegHeader(rgb.subarray(0, rgb.length - 200))).not.toBeNull();
    const cut = await probeImage(rgb.subarray(0, rgb.length - 200), 1_000_000, 'cut.jpg');
    expect(cut.ok).toBe(false);
    expect(cut.ok ? '' : cut.reason).toMatch(/^corrupt or truncated jpeg: /);
    await expect(probeImage(rgb, 64 * 48 - 1, 'big.jpg')).rejects.toMatchObject({ code: 'IMAGE_PIXEL_LIMIT', details: { width: 64, height: 48 } });
    const ok = await probeImage(rgb, 1_000_000, 'ok.jpg');
    const { data, info } = await sharp(rgb).raw().toBuffer({ resolveWithObject: true });
    expect(ok).toMatchObject({ ok: true, kind: 'jpeg', width: 64, height: 48, channels: 3, decoded: { width: 64, height: 48, channels: 3 } });
    expect(info.channels).toBe(3);
    expect(ok.ok && ok.decoded!.data.equals(data)).toBe(true);
  });
});
