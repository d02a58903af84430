/**
 * A dataset with every pre-flight problem planted, for the data and API tests:
 * an exact copy of a training image in test (and a second copy in train), a
 * brightened copy of another in test (a near-duplicate: different bytes, same
 * dHash), a class of 3 images, a class with no test images, a class only in
 * test, two broken files, one larger image and one colour image.
 *
 * Images are 9×8 grids of random grey levels drawn as 4×4 blocks, so distinct
 * images have unrelated dHashes.
 */
import sharp from 'sharp';
import { truncatedPng, type ArchiveFile } from '../helpers/fixtures.js';
import { seededRandom } from '../../src/seeded-random.js';

const CELL_PX = 4;
export const PLANTED_WIDTH = 9 * CELL_PX;
export const PLANTED_HEIGHT = 8 * CELL_PX;

export const rng = seededRandom;

/** Grey pixels of a random block image; levels in 20…229 so a +8 shift never clips. */
export function blockPixels(seed: number, cell = CELL_PX): Buffer {
  const next = rng(seed);
  const levels = Array.from({ length: 72 }, () => 20 + Math.floor(next() * 210));
  const w = 9 * cell;
  const h = 8 * cell;
  const px = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px[y * w + x] = levels[Math.floor(y / cell) * 9 + Math.floor(x / cell)]!;
  return px;
}

export async function pngOf(px: Buffer, width: number, height: number, channels: 1 | 3 = 1): Promise<Buffer> {
  const img = sharp(px, { raw: { width, height, channels } });
  return (channels === 1 ? img.toColourspace('b-w') : img).png().toBuffer();
}

export async function blockPng(seed: number): Promise<Buffer> {
  return pngOf(blockPixels(seed), PLANTED_WIDTH, PLANTED_HEIGHT);
}

export interface PlantedDataset {
  files: ArchiveFile[];
}

/**
 * train: cat 30 (+ c0-copy.png, an exact copy of c0, + broken.png), dog 12
 * (d11 is 48×40, d10 is RGB; + notes.txt, not an image), tiny 3, onlytrain 12.
 * test: cat 3 (+ dup.png = c0), dog 3 (+ near.png = d0 brightened by 8),
 * tiny 2, ghost 1 (no train folder).
 */
export async function plantedDataset(): Promise<PlantedDataset> {
  const files: ArchiveFile[] = [];
  const seeds = new Map<string, number>();
  let seed = 1;
  const add = async (name: string): Promise<Buffer> => {
    seeds.set(name, seed);
    const data = await blockPng(seed++);
    files.push({ name, data });
    return data;
  };
  const c0 = await add('train/cat/c0.png');
  for (let i = 1; i < 30; i++) await add(`train/cat/c${i}.png`);
  files.push({ name: 'train/cat/c0-copy.png', data: c0 });
  files.push({ name: 'train/cat/broken.png', data: await truncatedPng() });
  for (let i = 0; i < 10; i++) await add(`train/dog/d${i}.png`);
  const grey = blockPixels(seed++);
  const rgb = Buffer.alloc(grey.length * 3);
  for (let i = 0; i < grey.length; i++) [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]] = [grey[i]!, 255 - grey[i]!, grey[i]! >> 1];
  files.push({ name: 'train/dog/d10.png', data: await pngOf(rgb, PLANTED_WIDTH, PLANTED_HEIGHT, 3) });
  files.push({ name: 'train/dog/d11.png', data: await pngOf(blockPixels(seed++, 5).subarray(0, 45 * 40), 45, 40) });
  files.push({ name: 'train/dog/notes.txt', data: Buffer.from('not an image\n') });
  for (let i = 0; i < 3; i++) await add(`train/tiny/t${i}.png`);
  for (let i = 0; i < 12; i++) await add(`train/onlytrain/o${i}.png`);
  for (let i = 0; i < 3; i++) await add(`test/cat/c${i}.png`);
  files.push({ name: 'test/cat/dup.png', data: c0 });
  for (let i = 0; i < 3; i++) await add(`test/dog/d${i}.png`);
  const d0 = blockPixels(seeds.get('train/dog/d0.png')!);
  files.push({ name: 'test/dog/near.png', data: await pngOf(Buffer.from(d0.map((v) => v + 8)), PLANTED_WIDTH, PLANTED_HEIGHT) });
  for (let i = 0; i < 2; i++) await add(`test/tiny/t${i}.png`);
  await add('test/ghost/g0.png');
  return { files };
}
