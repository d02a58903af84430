import { describe, expect, it } from 'vitest';
import { augmentBatch, createEngineDataset, createEngineModel, type AugmentOptions, type ImageShape } from '../../src/engine/index.js';
import { loadFashion } from '../helpers/fashion.js';
import { mnistCnn } from './graphs.js';

/** One grey image (H×W×1) with the given bright pixels (value 255 unless given). */
function image(h: number, w: number, pixels: [row: number, col: number, value?: number][]): { images: Uint8Array; shape: ImageShape } {
  const images = new Uint8Array(h * w);
  for (const [r, c, v] of pixels) images[r * w + c] = v ?? 255;
  return { images, shape: { n: 1, h, w, c: 1 } };
}

/** Positions (row, col) of values above `threshold` in the first image of an N×1×H×W output. */
function bright(out: Float32Array, h: number, w: number, threshold = 0.5): [number, number][] {
  const found: [number, number][] = [];
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) if (out[r * w + c]! > threshold) found.push([r, c]);
  return found;
}

async function run(img: { images: Uint8Array; shape: ImageShape }, augment: AugmentOptions, seed = 1): Promise<Float32Array> {
  return augmentBatch(img.images, img.shape, augment, seed);
}

describe('augmentation on a known image', () => {
  const H = 8;
  const W = 10;
  const dot = image(H, W, [[2, 3]]);

  it('returns the image unchanged, scaled to [0, 1], when nothing is asked', async () => {
    const out = await run(dot, {});
    expect(out).toHaveLength(H * W);
    expect(bright(out, H, W)).toEqual([[2, 3]]);
    expect(out[2 * W + 3]).toBe(1);
  });

  it('mirrors left-right and top-bottom', async () => {
    expect(bright(await run(dot, { horizontalFlip: 1 }), H, W)).toEqual([[2, W - 1 - 3]]);
    expect(bright(await run(dot, { verticalFlip: 1 }), H, W)).toEqual([[H - 1 - 2, 3]]);
    const both = await run(dot, { horizontalFlip: 1, verticalFlip: 1 });
    expect(bright(both, H, W)).toEqual([[H - 1 - 2, W - 1 - 3]]);
    expect(both[(H - 1 - 2) * W + (W - 1 - 3)]).toBeCloseTo(1, 5);
  });

  it('shifts by an exact number of pixels (positive: right and down)', async () => {
    const right = await run(dot, { widthShiftRange: [3 / W, 3 / W], fillMode: 'constant' });
    expect(bright(right, H, W)).toEqual([[2, 6]]);
    expect(right[2 * W + 6]).toBeCloseTo(1, 5);
    const up = await run(dot, { heightShiftRange: [-2 / H, -2 / H], fillMode: 'constant' });
    expect(bright(up, H, W)).toEqual([[0, 3]]);
    expect(up.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });

  it('fills what a shift uncovers by the fill mode', async () => {
    // Column 0 is grey (128): 'nearest' repeats it into the uncovered columns, 'constant' uses cval.
    const img = image(4, 6, [0, 1, 2, 3].map((r) => [r, 0, 128] as [number, number, number]));
    const shift: AugmentOptions = { widthShiftRange: [2 / 6, 2 / 6] };
    const nearest = await run(img, { ...shift, fillMode: 'nearest' });
    const constant = await run(img, { ...shift, fillMode: 'constant' });
    const cval = await run(img, { ...shift, fillMode: 'constant', cval: 0.25 });
    for (let r = 0; r < 4; r++) {
      for (const c of [0, 1, 2]) expect(nearest[r * 6 + c]).toBeCloseTo(128 / 255, 5);
      expect(constant[r * 6 + 0]).toBeCloseTo(0, 5);
      expect(constant[r * 6 + 2]).toBeCloseTo(128 / 255, 5);
      expect(cval[r * 6 + 1]).toBeCloseTo(0.25, 5);
      expect(cval[r * 6 + 5]).toBeCloseTo(0, 5);
    }
  });

  it('scales brightness and clips at white', async () => {
    const grey = image(2, 2, [
      [0, 0, 100],
      [1, 1, 200],
    ]);
    const doubled = await run(grey, { brightnessRange: [2, 2] });
    expect(doubled[0]).toBeCloseTo(200 / 255, 5);
    expect(doubled[3]).toBe(1);
    const halved = await run(grey, { brightnessRange: [0.5, 0.5] });
    expect(halved[0]).toBeCloseTo(50 / 255, 5);
    expect(halved[3]).toBeCloseTo(100 / 255, 5);
  });

  it("rotates and zooms about the centre as Keras's apply_affine_transform", async () => {
    // 9x9, centre (4, 4). Keras maps output (r, c) to input (cos·r − sin·c, sin·r + cos·c) around the centre,
    // so for 90° a pixel at centred (r0, c0) lands at (c0, −r0): (1, 4) → (4, 7).
    const img = image(9, 9, [[1, 4]]);
    const rotated = await run(img, { rotationRange: [90, 90], fillMode: 'constant' });
    expect(bright(rotated, 9, 9)).toEqual([[4, 7]]);
    const halfTurn = await run(image(H, W, [[2, 3]]), { rotationRange: [180, 180], fillMode: 'constant' });
    expect(bright(halfTurn, H, W)).toEqual([[H - 1 - 2, W - 1 - 3]]);
    // Zoom 0.5 samples the input at half the distance from the centre: a 2x magnification.
    const zoomed = await run(image(9, 9, [[3, 5]]), { zoomRange: [0.5, 0.5], fillMode: 'constant' });
    expect(zoomed[2 * 9 + 6]).toBeCloseTo(1, 5);
  });

  it("shears as Keras's apply_affine_transform: rows move by tan(angle) times the column offset", async () => {
    // 9x9, centre (4, 4), shear 45°: input = (r − sin·c, cos·c) about the centre, so the centred pixel (0, 2)
    // lands at (tan 45°·2, 2 / cos 45°) = (2, 2.83): image (6, 6.83). A pixel on the centre column stays put.
    const off = await run(image(9, 9, [[4, 6]]), { shearRange: [45, 45], fillMode: 'constant' });
    const brightest = off.indexOf(Math.max(...off));
    expect([Math.floor(brightest / 9), brightest % 9]).toEqual([6, 7]);
    expect(off[6 * 9 + 7]! + off[6 * 9 + 6]!).toBeGreaterThan(0.9);
    const onAxis = await run(image(9, 9, [[6, 4]]), { shearRange: [45, 45], fillMode: 'constant' });
    expect(onAxis[6 * 9 + 4]).toBeCloseTo(1, 5);
  });

  it('draws per sample from the seed: repeatable, and different samples get different transforms', async () => {
    const n = 64;
    const images = new Uint8Array(n * H * W);
    for (let i = 0; i < n; i++) images[i * H * W + 2 * W + 3] = 255;
    const shape = { n, h: H, w: W, c: 1 };
    const flips = await augmentBatch(images, shape, { horizontalFlip: true }, 7);
    let flipped = 0;
    for (let i = 0; i < n; i++) {
      const img = flips.subarray(i * H * W, (i + 1) * H * W);
      const at = bright(img, H, W);
      expect([[[2, 3]], [[2, W - 1 - 3]]]).toContainEqual(at);
      if (at[0]![1] !== 3) flipped++;
    }
    expect(flipped).toBeGreaterThan(n / 4);
    expect(flipped).toBeLessThan((3 * n) / 4);

    const knobs: AugmentOptions = { rotationRange: 20, widthShiftRange: 0.1, heightShiftRange: 0.1, zoomRange: 0.1, shearRange: 10 };
    const a = await augmentBatch(images, shape, knobs, 3);
    const b = await augmentBatch(images, shape, knobs, 3);
    const c = await augmentBatch(images, shape, knobs, 4);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(a.subarray(0, H * W))).not.toEqual(Array.from(a.subarray(H * W, 2 * H * W)));
  });

  it('keeps colour channels together (N×C×H×W output)', async () => {
    const images = new Uint8Array(4 * 5 * 3);
    images[(1 * 5 + 1) * 3 + 0] = 255; // red at (1, 1)
    images[(1 * 5 + 1) * 3 + 2] = 51; // some blue there too
    const out = await augmentBatch(images, { n: 1, h: 4, w: 5, c: 3 }, { horizontalFlip: 1 }, 0);
    expect(out[0 * 20 + 1 * 5 + 3]).toBeCloseTo(1, 5);
    expect(out[2 * 20 + 1 * 5 + 3]).toBeCloseTo(0.2, 5);
    expect(out[1 * 20 + 1 * 5 + 3]).toBeCloseTo(0, 5);
  });

  it('trains with augmentation turned on', async () => {
    const f = loadFashion('train', 512);
    const data = await createEngineDataset(f.images, f.labels, f, 10);
    const model = await createEngineModel(mnistCnn(), { seed: 1 });
    model.configureOptimizer({ type: 'adam', learningRate: 1e-3 });
    const r = await model.trainEpoch(data, {
      batchSize: 64,
      augment: { rotationRange: 10, widthShiftRange: 0.1, heightShiftRange: 0.1, zoomRange: 0.1, horizontalFlip: true, brightnessRange: [0.8, 1.2] },
      mean: [0.286],
      std: [0.353],
    });
    expect(r.images).toBe(512);
    expect(Number.isFinite(r.loss)).toBe(true);
    model.dispose();
  });
});
