/**
 * Stage 2 of preprocessing in the addon (resizeBatch): the channel rules, the
 * three fits, the Lanczos-3 resample against PIL's (an independent
 * implementation of the same filter), byte-exact copies at the same size,
 * and bad arguments refused without a crash. Also the addon's small-entry
 * inflate against node:zlib.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { preprocessDecoded, type DecodedImage, type PreprocessTarget } from '../../src/data/image.js';
import { inflateRawNative } from '../../src/data/native-decode.js';

const PYTHON = '/usr/bin/python3';

/** A smooth colour picture (gradients and a soft disc), w×h×c. */
function smooth(w: number, h: number, c: 1 | 3): DecodedImage {
  const data = Buffer.alloc(w * h * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.hypot(x - w / 2, y - h / 2) / Math.min(w, h);
      for (let k = 0; k < c; k++) data[(y * w + x) * c + k] = Math.round(127 + 100 * Math.cos(d * 6 + k) * Math.sin((x + 2 * y * (k + 1)) / 37));
    }
  }
  return { data, width: w, height: h, channels: c };
}

function solid(w: number, h: number, rgb: [number, number, number]): DecodedImage {
  const data = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(rgb, 3 * i);
  return { data, width: w, height: h, channels: 3 };
}

const at = (t: PreprocessTarget, row: Buffer, x: number, y: number) => [...row.subarray((y * t.width + x) * t.channels, (y * t.width + x + 1) * t.channels)];

/** PIL's Image.resize(LANCZOS) of the same pixels. */
function pilResize(img: DecodedImage, w: number, h: number): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-pil-'));
  writeFileSync(join(dir, 'in.raw'), img.data);
  const mode = img.channels === 1 ? 'L' : 'RGB';
  execFileSync(PYTHON, [
    '-c',
    `from PIL import Image\nim = Image.frombytes('${mode}', (${img.width}, ${img.height}), open('${dir}/in.raw', 'rb').read())\nopen('${dir}/out.raw', 'wb').write(im.resize((${w}, ${h}), Image.LANCZOS).tobytes())`,
  ]);
  return readFileSync(join(dir, 'out.raw'));
}

describe('stage 2 of preprocessing (resizeBatch)', () => {
  it('matches PIL’s Lanczos-3 within 1 level on smooth pictures, shrinking and enlarging, grey and colour', async () => {
    for (const [src, w, h] of [
      [smooth(400, 300, 3), 224, 224],
      [smooth(400, 300, 3), 32, 32],
      [smooth(120, 90, 3), 300, 200],
      [smooth(64, 48, 1), 28, 28],
      [smooth(28, 28, 1), 32, 32],
    ] as const) {
      const t: PreprocessTarget = { width: w, height: h, channels: src.channels, resize: 'stretch' };
      const mine = await preprocessDecoded([src], t);
      const pil = pilResize(src, w, h);
      expect(mine.length).toBe(pil.length);
      let max = 0;
      for (let i = 0; i < pil.length; i++) max = Math.max(max, Math.abs(mine[i]! - pil[i]!));
      expect(max, `${src.width}×${src.height}×${src.channels} → ${w}×${h}`).toBeLessThanOrEqual(1);
    }
  });

  it('copies same-size images byte for byte, replicates grey into RGB, and takes luminance in linear light for grey', async () => {
    const colour = smooth(40, 30, 3);
    expect((await preprocessDecoded([colour], { width: 40, height: 30, channels: 3, resize: 'crop' })).equals(colour.data)).toBe(true);
    const grey = smooth(40, 30, 1);
    const rgb = await preprocessDecoded([grey], { width: 40, height: 30, channels: 3, resize: 'stretch' });
    for (let i = 0; i < grey.data.length; i++) expect(rgb.subarray(3 * i, 3 * i + 3).every((v) => v === grey.data[i])).toBe(true);
    const toGrey = async (c: [number, number, number]) => (await preprocessDecoded([solid(4, 4, c)], { width: 4, height: 4, channels: 1, resize: 'stretch' }))[0];
    expect(await toGrey([255, 0, 0])).toBe(127);
    expect(await toGrey([0, 255, 0])).toBe(220);
    expect(await toGrey([0, 0, 255])).toBe(76);
    expect(await toGrey([255, 255, 255])).toBe(255);
    expect(await toGrey([0, 0, 0])).toBe(0);
    expect(await toGrey([128, 128, 128])).toBe(128);
  });

  it('pad keeps the whole image centred on black bars; crop fills the target and keeps the centre', async () => {
    // A white 40×20 image with a red centre column.
    const img = solid(40, 20, [255, 255, 255]);
    for (let y = 0; y < 20; y++) img.data.set([255, 0, 0], (y * 40 + 20) * 3);
    const pad: PreprocessTarget = { width: 20, height: 20, channels: 3, resize: 'pad' };
    const padded = await preprocessDecoded([img], pad);
    // Scaled to 20×10, rows 5..14: black above and below.
    expect(at(pad, padded, 3, 0)).toEqual([0, 0, 0]);
    expect(at(pad, padded, 3, 4)).toEqual([0, 0, 0]);
    expect(at(pad, padded, 3, 6)).toEqual([255, 255, 255]);
    expect(at(pad, padded, 3, 13)).toEqual([255, 255, 255]);
    expect(at(pad, padded, 3, 15)).toEqual([0, 0, 0]);
    expect(at(pad, padded, 3, 19)).toEqual([0, 0, 0]);
    const crop: PreprocessTarget = { width: 10, height: 20, channels: 3, resize: 'crop' };
    const cropped = await preprocessDecoded([img], crop);
    // The height already fits: no resample, columns 15..24 kept, the red one at 5.
    for (let y = 0; y < 20; y++) {
      expect(at(crop, cropped, 5, y)).toEqual([255, 0, 0]);
      expect(at(crop, cropped, 4, y)).toEqual([255, 255, 255]);
      expect(at(crop, cropped, 0, y)).toEqual([255, 255, 255]);
    }
    // Stretch of a solid image stays solid.
    const stretched = await preprocessDecoded([solid(33, 17, [10, 200, 90])], { width: 64, height: 8, channels: 3, resize: 'stretch' });
    for (let i = 0; i < stretched.length; i += 3) expect([...stretched.subarray(i, i + 3)]).toEqual([10, 200, 90]);
  });

  it('batches images of different sizes, one row each, in order', async () => {
    const t: PreprocessTarget = { width: 16, height: 16, channels: 1, resize: 'stretch' };
    const imgs = [smooth(50, 30, 1), smooth(16, 16, 1), smooth(7, 9, 3)];
    const batch = await preprocessDecoded(imgs, t);
    expect(batch.length).toBe(3 * 256);
    for (const [i, img] of imgs.entries()) expect(batch.subarray(i * 256, (i + 1) * 256).equals(await preprocessDecoded([img], t)), `image ${i}`).toBe(true);
    expect(batch.subarray(256, 512).equals(imgs[1]!.data)).toBe(true);
  });

  it('refuses malformed images and targets with an error, not a crash', async () => {
    const t: PreprocessTarget = { width: 8, height: 8, channels: 3, resize: 'stretch' };
    await expect(preprocessDecoded([{ data: Buffer.alloc(10), width: 4, height: 4, channels: 3 }], t)).rejects.toThrow(/not width × height × channels/);
    await expect(preprocessDecoded([smooth(4, 4, 3)], { ...t, width: 0 })).rejects.toThrow(/target.width must be an integer/);
    await expect(preprocessDecoded([smooth(4, 4, 3)], { ...t, channels: 2 as 3 })).rejects.toThrow(/channels must be 1 or 3/);
    await expect(preprocessDecoded([smooth(4, 4, 3)], t, Buffer.alloc(8 * 8 * 3 - 1))).rejects.toThrow(/out is smaller/);
  });
});

describe('the addon’s small-entry inflate', () => {
  it('gives what node:zlib gives, and fails where it fails', () => {
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251));
    const deflated = deflateRawSync(data);
    expect(inflateRawNative(deflated, 5001)!.equals(data)).toBe(true);
    expect(inflateRawNative(deflated, 5000)!.equals(inflateRawSync(deflated, { maxOutputLength: 5000 }))).toBe(true);
    expect(inflateRawNative(deflateRawSync(Buffer.alloc(0)), 0)!.length).toBe(0);
    const code = (f: () => unknown) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      }
    };
    expect(code(() => inflateRawNative(deflated, 4999))).toBe('ERR_BUFFER_TOO_LARGE');
    expect(code(() => inflateRawSync(deflated, { maxOutputLength: 4999 }))).toBe('ERR_BUFFER_TOO_LARGE');
    expect(code(() => inflateRawNative(deflated.subarray(0, deflated.length - 10), 5001))).toBe('unexpected end of file');
    expect(code(() => inflateRawNative(Buffer.from([0xff, 0xff, 0xff]), 100))).toBe('invalid block type');
  });
});
