import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDX_IMAGES_MAGIC, encodeIdx, ingestDataset, readIdx, readIdxHeader } from '../../src/data/index.js';
import { FASHION_CLASSES, makeIdxPair } from '../helpers/fixtures.js';
import { expectCnnError, listing, tempDataDir, type TempDataDir } from './helpers.js';

let dd: TempDataDir;
beforeAll(async () => {
  dd = await tempDataDir();
});
afterAll(async () => {
  await dd.cleanup();
});

function int32s(buf: Buffer): number[] {
  return Array.from({ length: buf.length / 4 }, (_, i) => buf.readInt32LE(4 * i));
}

describe('IDX ingest', () => {
  it.each([true, false])('ingests a pair (gzip %s): counts, classes 0..9, raw.u8 and labels', async (gzip) => {
    const pair = await makeIdxPair(join(dd.uploads, `pair-${gzip}`), 30, { gzip });
    const datasetDir = dd.datasetDir(`idx-${gzip}`);
    const manifest = await ingestDataset({ kind: 'idx', images: pair.images, labels: pair.labels }, { datasetDir });

    expect(manifest.format).toBe('idx');
    expect(manifest.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(manifest.counts).toEqual({ train: new Array(10).fill(3) });
    expect(manifest.total).toBe(30);
    expect(manifest.raw).toEqual({ height: 28, width: 28, channels: 1 });
    expect(manifest.imageStats.channels).toEqual({ 1: 30 });
    expect(Buffer.compare(await readFile(join(datasetDir, 'raw.u8')), pair.subset.images)).toBe(0);
    expect(int32s(await readFile(join(datasetDir, 'raw-labels.i32')))).toEqual(Array.from(pair.subset.labels));
  });

  it('ingests train and test pairs with class names', async () => {
    const train = await makeIdxPair(join(dd.uploads, 'tt'), 20, { prefix: 'train-' });
    const test = await makeIdxPair(join(dd.uploads, 'tt'), 10, { prefix: 't10k-', split: 'test', gzip: false });
    const datasetDir = dd.datasetDir('idx-tt');
    const manifest = await ingestDataset(
      {
        kind: 'idx',
        train: { images: train.images, labels: train.labels },
        test: { images: test.images, labels: test.labels },
        classNames: [...FASHION_CLASSES],
      },
      { datasetDir },
    );
    expect(manifest.classes).toEqual([...FASHION_CLASSES]);
    expect(manifest.counts).toEqual({ train: new Array(10).fill(2), test: new Array(10).fill(1) });
    expect(manifest.total).toBe(30);
    const raw = await readFile(join(datasetDir, 'raw.u8'));
    expect(Buffer.compare(raw, Buffer.concat([train.subset.images, test.subset.images]))).toBe(0);
    expect(int32s(await readFile(join(datasetDir, 'raw-labels.i32')))).toEqual([...train.subset.labels, ...test.subset.labels]);
  });

  it('fails with IDX_INVALID when images and labels counts differ, and leaves nothing', async () => {
    const pair = await makeIdxPair(join(dd.uploads, 'bad-count'), 20, { labelCount: 19 });
    const datasetDir = dd.datasetDir('idx-bad-count');
    const before = await listing(dd.datasets);
    const err = await expectCnnError(ingestDataset({ kind: 'idx', images: pair.images, labels: pair.labels }, { datasetDir }), 'IDX_INVALID');
    expect(err.message).toMatch(/20 images.*19 labels/);
    expect(await listing(dd.datasets)).toEqual(before);
  });

  it('fails with IDX_INVALID on swapped files (wrong magic)', async () => {
    const pair = await makeIdxPair(join(dd.uploads, 'swap'), 10);
    const err = await expectCnnError(
      ingestDataset({ kind: 'idx', images: pair.labels, labels: pair.images }, { datasetDir: dd.datasetDir('idx-swap') }),
      'IDX_INVALID',
    );
    expect(err.message).toMatch(/magic number is 0x00000803/);
  });

  it('fails with IDX_INVALID on a truncated images file (raw and gzip)', async () => {
    const pair = await makeIdxPair(join(dd.uploads, 'trunc'), 10, { gzip: false });
    const raw = await readFile(pair.images);
    const cutRaw = join(dd.uploads, 'trunc', 'cut-images');
    await writeFile(cutRaw, raw.subarray(0, raw.length - 100));
    const cutGz = join(dd.uploads, 'trunc', 'cut-images.gz');
    await writeFile(cutGz, gzipSync(raw.subarray(0, raw.length - 100)));
    for (const images of [cutRaw, cutGz]) {
      const err = await expectCnnError(
        ingestDataset({ kind: 'idx', images, labels: pair.labels }, { datasetDir: dd.datasetDir('idx-trunc') }),
        'IDX_INVALID',
      );
      expect(err.message).toMatch(/truncated/);
    }
    expect((await listing(dd.datasets)).filter((n) => n.startsWith('idx-trunc'))).toEqual([]);
  });

  it('fails with IDX_INVALID when a label is not below the number of class names', async () => {
    const pair = await makeIdxPair(join(dd.uploads, 'names'), 10);
    const err = await expectCnnError(
      ingestDataset({ kind: 'idx', images: pair.images, labels: pair.labels, classNames: ['a', 'b', 'c'] }, { datasetDir: dd.datasetDir('idx-names') }),
      'IDX_INVALID',
    );
    expect(err.path).toBe('labels');
  });

  it('fails with DATASET_EMPTY_CLASS when a named class has no image', async () => {
    const pair = await makeIdxPair(join(dd.uploads, 'extra-class'), 10);
    const err = await expectCnnError(
      ingestDataset(
        { kind: 'idx', images: pair.images, labels: pair.labels, classNames: [...FASHION_CLASSES, 'Hat'] },
        { datasetDir: dd.datasetDir('idx-extra-class') },
      ),
      'DATASET_EMPTY_CLASS',
    );
    expect(err.details).toEqual({ class: 'Hat' });
  });
});

describe('IDX helpers', () => {
  it('round-trip encodeIdx / readIdx / readIdxHeader', async () => {
    const data = Buffer.from([1, 2, 3, 4, 5, 6]);
    const file = join(dd.uploads, 'tiny-idx.gz');
    await writeFile(file, gzipSync(encodeIdx(IDX_IMAGES_MAGIC, [3, 1, 2], data)));
    expect(await readIdxHeader(file)).toEqual({ magic: IDX_IMAGES_MAGIC, dataType: 8, dims: [3, 1, 2], headerBytes: 16 });
    const { header, data: read } = await readIdx(file, { expectMagic: IDX_IMAGES_MAGIC });
    expect(header.dims).toEqual([3, 1, 2]);
    expect(Buffer.compare(read, data)).toBe(0);
  });
});
