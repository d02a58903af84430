import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackWriter } from '../../src/data/pack-writer.js';
import { Turns } from '../../src/data/pool.js';
import { tempDataDir, type TempDataDir } from './helpers.js';

let dd: TempDataDir;
beforeAll(async () => {
  dd = await tempDataDir();
});
afterAll(async () => {
  await dd.cleanup();
});

describe('PackWriter', () => {
  it('returns each record’s offset and writes them back to back, across flushes, from its start', async () => {
    const path = join(dd.root, 'pack');
    const fh = await open(path, 'wx');
    const w = new PackWriter(fh, 10);
    const records = [Buffer.alloc(700_000, 1), Buffer.from('ab'), Buffer.alloc(600_000, 2), Buffer.from('xyz')];
    const offsets: number[] = [];
    for (const r of records) offsets.push(await w.append(r));
    await w.flush();
    await fh.close();
    expect(offsets).toEqual([10, 700_010, 700_012, 1_300_012]);
    const bytes = await readFile(path);
    expect(bytes.length).toBe(1_300_015);
    records.forEach((r, i) => expect(Buffer.compare(bytes.subarray(offsets[i]!, offsets[i]! + r.length), r)).toBe(0));
  });
});

describe('Turns', () => {
  it('lets tasks that finish in any order proceed in sequence, also past ones that never waited', async () => {
    const turns = new Turns();
    const order: number[] = [];
    const task = async (seq: number, delayMs: number, wait = true) => {
      await new Promise((r) => setTimeout(r, delayMs));
      if (wait) {
        await turns.wait(seq);
        order.push(seq);
      }
      turns.done(seq);
    };
    await Promise.all([task(0, 30), task(1, 0), task(2, 10, false), task(3, 5), task(4, 0)]);
    expect(order).toEqual([0, 1, 3, 4]);
  });
});
