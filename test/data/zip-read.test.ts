/**
 * Zip contents as readArchiveFiles delivers them: small entries are read and
 * inflated in one piece, large ones streamed; both must give the stored
 * bytes exactly and keep every size check.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { readArchiveFiles, scanArchive } from '../../src/data/archive.js';
import { DEFAULT_INGEST_LIMITS } from '../../src/data/index.js';
import { WindowedZipReader } from '../../src/data/zip-reader.js';
import { setDeclaredZipSize } from '../helpers/fixtures.js';
import { expectCnnError, tempDataDir, type TempDataDir } from './helpers.js';

let dd: TempDataDir;
beforeAll(async () => {
  dd = await tempDataDir();
});
afterAll(async () => {
  await dd.cleanup();
});

async function zipOf(path: string, files: Array<{ name: string; data: Buffer; compress: boolean }>): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const f of files) zip.addBuffer(f.data, f.name, { compress: f.compress });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}

async function readAll(path: string, limits = DEFAULT_INGEST_LIMITS): Promise<Map<string, Buffer>> {
  const scanned = await scanArchive(path, 'zip', limits);
  const out = new Map<string, Buffer>();
  await readArchiveFiles(path, 'zip', scanned, limits, () => true, async (entry, body) => {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c);
    out.set(entry.name, Buffer.concat(chunks));
  });
  return out;
}

describe('zip entry contents', () => {
  it('are the stored bytes, deflated or stored, empty, small or streamed', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dd.uploads, { recursive: true });
    const text = Buffer.from('abc '.repeat(5000));
    const files = [
      { name: 'a/deflated.txt', data: text, compress: true },
      { name: 'a/stored.bin', data: randomBytes(3000), compress: false },
      { name: 'a/empty', data: Buffer.alloc(0), compress: true },
      { name: 'a/large-deflated.bin', data: Buffer.concat([randomBytes(5 << 20), Buffer.alloc(5 << 20, 7)]), compress: true },
      { name: 'a/large-stored.bin', data: randomBytes(9 << 20), compress: false },
      // Inflated on the thread pool: between the event-loop and the streaming sizes.
      { name: 'a/middle.bin', data: Buffer.alloc(2 << 20, 3), compress: true },
    ];
    const path = dd.upload('mixed.zip');
    await zipOf(path, files);
    const got = await readAll(path);
    expect([...got.keys()]).toEqual(files.map((f) => f.name));
    for (const f of files) expect(Buffer.compare(got.get(f.name)!, f.data), f.name).toBe(0);
  });

  it('a corrupt deflate stream → ARCHIVE_CORRUPT', async () => {
    const path = dd.upload('bad-deflate.zip');
    const data = Buffer.from('hello hello hello hello '.repeat(200));
    await zipOf(path, [{ name: 'a/x.txt', data, compress: true }]);
    const buf = await readFile(path);
    // Garble the compressed data right after the local header (30 bytes + name).
    for (let i = 30 + 'a/x.txt'.length + 2; i < 30 + 'a/x.txt'.length + 40; i++) buf[i] = 0xff;
    await writeFile(path, buf);
    await expectCnnError(readAll(path), 'ARCHIVE_CORRUPT');
  });

  it('a stored entry longer than declared → ARCHIVE_TOO_LARGE_INFLATED; shorter → ARCHIVE_CORRUPT', async () => {
    for (const [declared, code] of [
      [100, 'ARCHIVE_TOO_LARGE_INFLATED'],
      [5000, 'ARCHIVE_CORRUPT'],
    ] as const) {
      const path = dd.upload(`stored-${declared}.zip`);
      await zipOf(path, [{ name: 'a/s.bin', data: randomBytes(1000), compress: false }]);
      const buf = await readFile(path);
      setDeclaredZipSize(buf, 'a/s.bin', declared);
      await writeFile(path, buf);
      await expectCnnError(readAll(path), code);
    }
  });
});

describe('WindowedZipReader', () => {
  it('serves alternating small reads at both ends of the file from two windows', async () => {
    const path = dd.upload('windows.bin');
    const bytes = randomBytes(3 << 20);
    await writeFile(path, bytes);
    const fh = await open(path, 'r');
    let reads = 0;
    const counting = new Proxy(fh, {
      get(target, prop) {
        if (prop === 'read') return (...args: Parameters<typeof fh.read>) => (reads++, target.read(...args));
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const reader = new WindowedZipReader(counting, bytes.length);
    const buf = Buffer.alloc(46);
    for (let i = 0; i < 1000; i++) {
      for (const at of [100 + 46 * i, bytes.length - 100_000 + 46 * i]) {
        await reader.readFully(buf, 0, buf.length, at);
        expect(Buffer.compare(buf, bytes.subarray(at, at + 46))).toBe(0);
      }
    }
    expect(reads).toBe(2);
    await fh.close();
  });
});
