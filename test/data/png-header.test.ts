/** readPngHeader against sharp's own metadata, and the PNGs it leaves to sharp. */
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readPngHeader } from '../../src/data/png-header.js';
import { hugePng, truncatedPng } from '../helpers/fixtures.js';

function pixels(w: number, h: number, c: number): Buffer {
  const b = Buffer.alloc(w * h * c);
  for (let i = 0; i < b.length; i++) b[i] = (i * 37 + (i >> 5)) & 255;
  return b;
}

const raw = (w: number, h: number, c: 1 | 2 | 3 | 4) => sharp(pixels(w, h, c), { raw: { width: w, height: h, channels: c } });

/** Inserts a chunk right after IHDR. */
function withChunk(png: Buffer, type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([png.subarray(0, 33), len, body, crc, png.subarray(33)]);
}

describe('readPngHeader', () => {
  it('agrees with sharp metadata on sizes, channels, colour space and depth', async () => {
    const pngs: Record<string, Buffer> = {
      grey: await raw(7, 5, 1).toColourspace('b-w').png().toBuffer(),
      greyAlpha: await raw(7, 5, 2).png().toBuffer(),
      rgb: await raw(9, 4, 3).png().toBuffer(),
      rgba: await raw(9, 4, 4).png().toBuffer(),
      palette: await raw(16, 16, 3).png({ palette: true, colours: 8 }).toBuffer(),
      paletteAlpha: await raw(16, 16, 4).png({ palette: true, colours: 8 }).toBuffer(),
      grey16: await raw(6, 6, 1).toColourspace('grey16').png().toBuffer(),
      rgb16: await raw(6, 6, 3).toColourspace('rgb16').png().toBuffer(),
      interlaced: await raw(20, 10, 3).png({ progressive: true }).toBuffer(),
      oneBit: hugePng(33, 17),
    };
    // A grey PNG with a tRNS chunk (one transparent grey level).
    pngs.greyTrns = withChunk(pngs.grey!, 'tRNS', Buffer.from([0, 37]));
    // Chunks many tools write; libvips neither applies them nor reports a profile for them.
    const gama = Buffer.alloc(4);
    gama.writeUInt32BE(45455);
    pngs.greySrgbGama = withChunk(withChunk(pngs.grey!, 'gAMA', gama), 'sRGB', Buffer.from([0]));
    for (const [name, png] of Object.entries(pngs)) {
      const m = await sharp(png).metadata();
      expect(readPngHeader(png), name).toEqual({ width: m.width, height: m.height, channels: m.channels, space: m.space, depth: m.depth });
      expect(m.hasProfile, name).toBe(false);
    }
  });

  it('leaves to sharp what it cannot vouch for', async () => {
    const grey = await raw(7, 5, 1).toColourspace('b-w').png().toBuffer();
    expect(readPngHeader(await raw(7, 5, 3).withIccProfile('p3').png().toBuffer())).toBeNull();
    expect(readPngHeader(await raw(7, 5, 3).png().withMetadata({ orientation: 6 }).toBuffer())).toBeNull();
    expect(readPngHeader(withChunk(grey, 'cICP', Buffer.from([1, 13, 0, 1])))).toBeNull();
    expect(readPngHeader(withChunk(grey, 'ABCD', Buffer.alloc(3)))).toBeNull();
    expect(readPngHeader(grey.subarray(0, 40))).toBeNull();
    expect(readPngHeader(Buffer.from('not a png at all, not even close'))).toBeNull();
    // Truncated in the image data: the header is readable, the decode will fail.
    expect(readPngHeader(await truncatedPng())).toMatchObject({ width: 64, height: 64, channels: 3 });
  });
});
