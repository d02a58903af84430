// The event-loop PNG decoder gives exactly sharp's pixels for the PNGs it
// takes, and leaves every other PNG (palette, alpha, 16 bits, interlaced,
// with a profile, broken) to sharp by returning null.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { probeImage } from '../../src/data/image.js';
import { decodePlainPng } from '../../src/data/png-decode.js';
import { fashionSubset, truncatedPng } from '../helpers/fixtures.js';
import { rng } from './preflight-fixtures.js';

/** What sharp decodes, as the probe asks it: grey images as grey ('b-w'), colour as sRGB. */
async function sharpPixels(png: Buffer): Promise<Buffer> {
  const { space } = await sharp(png).metadata();
  return sharp(png).toColourspace(space === 'b-w' ? 'b-w' : 'srgb').raw().toBuffer();
}

function noise(n: number, seed: number, smooth: boolean): Buffer {
  const next = rng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = smooth ? (i * 7 + Math.floor(next() * 8)) & 0xff : Math.floor(next() * 256);
  return b;
}

describe('decodePlainPng', () => {
  it('equals sharp on Fashion-MNIST grey PNGs', async () => {
    const sub = await fashionSubset(3, 'train');
    for (let i = 0; i < sub.n; i++) {
      const png = await sharp(Buffer.from(sub.images.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } }).toColourspace('b-w').png().toBuffer();
      const d = decodePlainPng(png, 1e6)!;
      expect(d.channels).toBe(1);
      expect(d.data.equals(await sharpPixels(png))).toBe(true);
    }
  });

  it('equals sharp on RGB and grey PNGs of every filter type and compression level', async () => {
    for (const [w, h, channels] of [[37, 23, 3], [64, 48, 1], [1, 1, 3], [300, 7, 3]] as const) {
      for (const smooth of [true, false]) {
        for (const compressionLevel of [0, 6, 9]) {
          const raw = noise(w * h * channels, w + h + channels, smooth);
          let img = sharp(raw, { raw: { width: w, height: h, channels } });
          if (channels === 1) img = img.toColourspace('b-w');
          // adaptiveFiltering picks per-row filters (None, Sub, Up, Average, Paeth) by content.
          const png = await img.png({ compressionLevel, adaptiveFiltering: true, palette: false }).toBuffer();
          const d = decodePlainPng(png, 1e6);
          expect(d, `${w}x${h}x${channels}`).not.toBeNull();
          expect(d!.data.equals(await sharpPixels(png)), `${w}x${h}x${channels} level ${compressionLevel}`).toBe(true);
        }
      }
    }
  });

  it('leaves palette, alpha, 16-bit, interlaced, profiled, truncated and oversized PNGs to sharp', async () => {
    const rgb = noise(16 * 16 * 3, 1, true);
    const rgba = noise(16 * 16 * 4, 2, true);
    const base = () => sharp(rgb, { raw: { width: 16, height: 16, channels: 3 } });
    const cases: Record<string, Buffer> = {
      palette: await base().png({ palette: true }).toBuffer(),
      alpha: await sharp(rgba, { raw: { width: 16, height: 16, channels: 4 } }).png().toBuffer(),
      '16-bit': await base().toColourspace('rgb16').png().toBuffer(),
      interlaced: await base().png({ progressive: true }).toBuffer(),
      profile: await base().withIccProfile('p3').png().toBuffer(),
      truncated: await truncatedPng(),
    };
    for (const [what, png] of Object.entries(cases)) expect(decodePlainPng(png, 1e6), what).toBeNull();
    expect(decodePlainPng(await base().png().toBuffer(), 255)).toBeNull();
  });
});

describe('probeImage with the fast path', () => {
  it('keeps the same pixels, sizes and channels as sharp, and still finds truncated files', async () => {
    const png = await sharp(noise(40 * 30 * 3, 9, true), { raw: { width: 40, height: 30, channels: 3 } }).png().toBuffer();
    const probe = await probeImage(png, 1e6, 'x.png');
    expect(probe).toMatchObject({ ok: true, kind: 'png', width: 40, height: 30, channels: 3 });
    expect(probe.ok && probe.decoded!.data.equals(await sharpPixels(png))).toBe(true);
    const bad = await probeImage(await truncatedPng(), 1e6, 'cut.png');
    expect(bad.ok).toBe(false);
  });
});
