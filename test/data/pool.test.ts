/**
 * The bounded task pool ingest validates images with: at most `limit` tasks,
 * and past `always` of them, no more bytes in flight than the budget; the
 * first error is kept and stops the producer.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { probeMemoryBound } from '../../src/data/image.js';
import { TaskPool } from '../../src/data/pool.js';

/** Runs `weights` through a pool as a producer would, and returns the most tasks and bytes in flight at once. */
async function peak(pool: TaskPool, weights: number[]): Promise<{ tasks: number; bytes: number }> {
  let tasks = 0;
  let bytes = 0;
  const most = { tasks: 0, bytes: 0 };
  for (const w of weights) {
    await pool.slot(w);
    pool.spawn(async () => {
      tasks++;
      bytes += w;
      most.tasks = Math.max(most.tasks, tasks);
      most.bytes = Math.max(most.bytes, bytes);
      await new Promise((r) => setTimeout(r, 1 + (w % 3)));
      tasks--;
      bytes -= w;
    }, w);
  }
  await pool.drain();
  return most;
}

describe('TaskPool', () => {
  it('keeps many small tasks in flight, few large ones, and never fewer than `always`', async () => {
    const budget = { bytes: 1000, always: 2 };
    expect((await peak(new TaskPool(16, budget), Array(100).fill(10))).tasks).toBe(16);
    const large = await peak(new TaskPool(16, budget), Array(20).fill(5000));
    expect(large.tasks).toBe(2);
    const mixed = await peak(new TaskPool(16, budget), Array.from({ length: 60 }, (_, i) => (i % 5 === 0 ? 400 : 50)));
    expect(mixed.tasks).toBeLessThanOrEqual(16);
    // Past the first two tasks, the bytes in flight stay within the budget (two large ones may exceed it alone).
    expect(mixed.bytes).toBeLessThanOrEqual(1000 + 400);
  });

  it('keeps the first error and reports it from drain', async () => {
    const pool = new TaskPool(4);
    for (let i = 0; i < 6; i++) {
      await pool.slot();
      pool.spawn(async () => {
        if (i === 2) throw new Error('bad image');
      });
    }
    await expect(pool.drain()).rejects.toThrow('bad image');
    expect(pool.hasFailed).toBe(true);
  });
});

describe('probeMemoryBound', () => {
  it('reads the decoded size from a PNG or JPEG header, and assumes the ceiling for what it cannot read', async () => {
    const png = await sharp(Buffer.alloc(28 * 20), { raw: { width: 28, height: 20, channels: 1 } }).png().toBuffer();
    const jpeg = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#888' } }).jpeg().toBuffer();
    const webp = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).webp().toBuffer();
    const huge = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#000' } }).jpeg().toBuffer();
    expect(probeMemoryBound(png)).toBe(28 * 20 * 4);
    expect(probeMemoryBound(jpeg)).toBe(400 * 300 * 4);
    // Larger than a full decode: shrunk while it decodes, so the full-decode ceiling bounds it.
    expect(probeMemoryBound(huge)).toBe(4 * 4_000_000);
    expect(probeMemoryBound(webp)).toBe(4 * 4_000_000);
  });
});
