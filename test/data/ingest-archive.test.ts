import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OriginalsReader, ingestDataset, readItems, readManifest } from '../../src/data/index.js';
import { FASHION_CLASSES, makePngZip, makeTarGz, type PngArchive, type PngArchiveOptions } from '../helpers/fixtures.js';
import { listing, tempDataDir, type TempDataDir } from './helpers.js';

const ROW = 28 * 28;
let dd: TempDataDir;
beforeAll(async () => {
  dd = await tempDataDir();
});
afterAll(async () => {
  await dd.cleanup();
});

const writers = {
  zip: (path: string, o: PngArchiveOptions) => makePngZip(path, o),
  tar: (path: string, o: PngArchiveOptions) => makeTarGz(path, { ...o, gzip: false }),
  'tar.gz': (path: string, o: PngArchiveOptions) => makeTarGz(path, o),
};

/** Every stored image holds exactly the bytes of the archive entry it came from; pixels.u8 holds its pixels in items order. */
async function expectStoredOriginals(datasetDir: string, archive: PngArchive): Promise<void> {
  const items = await readItems(datasetDir);
  const byName = new Map(archive.entries.map((e) => [e.name, e]));
  const originals = new OriginalsReader(datasetDir);
  const pixels = await readFile(join(datasetDir, 'pixels.u8'));
  expect(pixels.length).toBe(items.length * ROW);
  try {
    for (const [i, item] of items.entries()) {
      expect(item).toMatchObject({ kind: 'png' });
      const entry = byName.get(item.source)!;
      expect(entry, item.source).toBeDefined();
      expect(item.split).toBe(entry.split);
      expect(item.label).toBe(archive.classes.indexOf(entry.className));
      expect(Buffer.compare(await originals.read(item), entry.png)).toBe(0);
      expect(Buffer.compare(pixels.subarray(i * ROW, (i + 1) * ROW), entry.pixels), item.source).toBe(0);
    }
  } finally {
    await originals.close();
  }
  expect(new Set(items.map((i) => i.source)).size).toBe(archive.entries.length);
}

describe.each(Object.keys(writers) as Array<keyof typeof writers>)('%s of PNG class folders', (kind) => {
  it('ingests train/ and test/ with per-class counts, sorted classes, stats and stored files', async () => {
    const upload = dd.upload(`fashion-${kind}`); // no extension: the type comes from the bytes
    const archive = await writers[kind](upload, { perClass: 3, testPerClass: 2 });
    const datasetDir = dd.datasetDir(`split-${kind}`);

    const manifest = await ingestDataset({ kind: 'archive', file: upload }, { datasetDir });

    expect(manifest.format).toBe('archive');
    expect(manifest.classes).toEqual([...FASHION_CLASSES].sort());
    expect(manifest.counts.train).toEqual(new Array(10).fill(3));
    expect(manifest.counts.test).toEqual(new Array(10).fill(2));
    expect(manifest.total).toBe(50);
    expect(manifest.imageStats).toEqual({
      minWidth: 28,
      maxWidth: 28,
      minHeight: 28,
      maxHeight: 28,
      meanWidth: 28,
      meanHeight: 28,
      channels: { 1: 50 },
    });
    expect(manifest.skipped).toEqual([]);
    expect(await readManifest(datasetDir)).toEqual(manifest);
    expect(await listing(datasetDir)).toEqual(['images.pack', 'items.json', 'manifest.json', 'pixels.json', 'pixels.u8']);
    expect(JSON.parse(await readFile(join(datasetDir, 'pixels.json'), 'utf8'))).toEqual({ n: 50, height: 28, width: 28, channels: 1, kinds: ['png'] });
    await expectStoredOriginals(datasetDir, archive);
    const items = await readItems(datasetDir);
    expect(items.slice(0, 30).every((i) => i.split === 'train')).toBe(true);
    expect(items.slice(30).every((i) => i.split === 'test')).toBe(true);
    // No temp dir left next to the dataset.
    expect((await listing(dd.datasets)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});

describe('archive layouts', () => {
  it('accepts flat <class>/<img> inside one wrapping folder, all train', async () => {
    const upload = dd.upload('flat.zip');
    const archive = await makePngZip(upload, { perClass: 2, flat: true, wrap: 'mydata', classes: ['Dress', 'Bag', 'Coat'] });
    const datasetDir = dd.datasetDir('flat');
    const manifest = await ingestDataset({ kind: 'archive', file: upload }, { datasetDir });
    expect(manifest.classes).toEqual(['Bag', 'Coat', 'Dress']);
    expect(manifest.counts).toEqual({ train: [2, 2, 2] });
    await expectStoredOriginals(datasetDir, archive);
  });

  it('accepts train/ and test/ inside a wrapping folder', async () => {
    const upload = dd.upload('wrapped.tgz');
    await makeTarGz(upload, { perClass: 1, testPerClass: 1, wrap: 'fashion', classes: ['Bag', 'Sandal'] });
    const manifest = await ingestDataset({ kind: 'archive', file: upload }, { datasetDir: dd.datasetDir('wrapped') });
    expect(manifest.classes).toEqual(['Bag', 'Sandal']);
    expect(manifest.counts).toEqual({ train: [1, 1], test: [1, 1] });
  });

  it('ignores __MACOSX/, dot-files, Thumbs.db and folder entries', async () => {
    const upload = dd.upload('noise.zip');
    const png = Buffer.from('not really');
    await makePngZip(upload, {
      perClass: 1,
      classes: ['Bag', 'Coat'],
      extra: [
        { name: '__MACOSX/train/Bag/._0.png', data: png },
        { name: 'train/Bag/.DS_Store', data: png },
        { name: '.hidden/Bag/x.png', data: png },
        { name: 'train/Thumbs.db', data: png },
        { name: 'train/Coat/', type: 'directory' },
      ],
    });
    const manifest = await ingestDataset({ kind: 'archive', file: upload }, { datasetDir: dd.datasetDir('noise') });
    expect(manifest.counts).toEqual({ train: [1, 1] });
    expect(manifest.skipped).toEqual([]);
  });
});
