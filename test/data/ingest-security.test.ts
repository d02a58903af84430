/**
 * Hostile and broken uploads: every limit and every refusal has a test that
 * asserts its error code, and that a failed ingest leaves nothing behind.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestDataset } from '../../src/data/index.js';
import {
  fashionSubset,
  greyPng,
  hugePng,
  makePngZip,
  makeSymlinkTar,
  makeTarGz,
  makeZipSlip,
  setDeclaredZipSize,
  truncatedPng,
  writeTar,
  writeZip,
} from '../helpers/fixtures.js';
import { expectCnnError, listing, tempDataDir, type TempDataDir } from './helpers.js';

let dd: TempDataDir;
beforeAll(async () => {
  dd = await tempDataDir();
  await mkdir(dd.uploads, { recursive: true });
});
afterAll(async () => {
  await dd.cleanup();
});

/** Runs a failing ingest and checks that neither the dataset dir nor anything else appeared in the data dir. */
async function expectFailsCleanly(file: string, code: Parameters<typeof expectCnnError>[1], limits = {}) {
  const datasetDir = dd.datasetDir('ds');
  const rootBefore = await listing(dd.root);
  const datasetsBefore = await listing(dd.datasets);
  const err = await expectCnnError(ingestDataset({ kind: 'archive', file }, { datasetDir, limits }), code);
  expect(existsSync(datasetDir)).toBe(false);
  expect(await listing(dd.datasets)).toEqual(datasetsBefore);
  expect(await listing(dd.root)).toEqual(rootBefore);
  return err;
}

async function onePng(): Promise<Buffer> {
  const sub = await fashionSubset(1);
  return greyPng(sub.images.subarray(0, 28 * 28));
}

describe('unsafe entries', () => {
  it('zip-slip (../evil.txt, /tmp/evil-abs.txt) → ARCHIVE_UNSAFE_ENTRY, nothing written outside', async () => {
    const file = dd.upload('slip.zip');
    await makeZipSlip(file);
    await mkdir(dd.datasets, { recursive: true });
    const err = await expectFailsCleanly(file, 'ARCHIVE_UNSAFE_ENTRY');
    expect(err.details?.entry).toBe('../evil.txt');
    expect(existsSync(join(dd.datasets, 'evil.txt'))).toBe(false);
    expect(existsSync('/tmp/evil-abs.txt')).toBe(false);
  });

  it('absolute path alone → ARCHIVE_UNSAFE_ENTRY naming it', async () => {
    const file = dd.upload('abs.zip');
    await writeZip(file, [{ name: 'xtmp/evil.png', data: await onePng() }]);
    const buf = await readFile(file);
    buf.write('/tmp/evil.png', buf.indexOf('xtmp/evil.png'), 'latin1');
    buf.write('/tmp/evil.png', buf.lastIndexOf('xtmp/evil.png'), 'latin1');
    await writeFile(file, buf);
    const err = await expectFailsCleanly(file, 'ARCHIVE_UNSAFE_ENTRY');
    expect(err.details?.entry).toBe('/tmp/evil.png');
  });

  it('backslash traversal in a tar → ARCHIVE_UNSAFE_ENTRY', async () => {
    const file = dd.upload('backslash.tar');
    await writeTar(file, [{ name: 'train\\..\\..\\evil.png', data: await onePng() }], { gzip: false });
    await expectFailsCleanly(file, 'ARCHIVE_UNSAFE_ENTRY');
  });

  it('symlink in a tar → ARCHIVE_UNSAFE_ENTRY', async () => {
    const file = dd.upload('symlink.tar');
    await makeSymlinkTar(file);
    const err = await expectFailsCleanly(file, 'ARCHIVE_UNSAFE_ENTRY');
    expect(err.details?.entry).toBe('train/Bag/link.png');
  });

  it('hard link in a tar.gz → ARCHIVE_UNSAFE_ENTRY', async () => {
    const file = dd.upload('hardlink.tgz');
    await writeTar(
      file,
      [
        { name: 'train/Bag/0.png', data: await onePng() },
        { name: 'train/Bag/1.png', type: 'link', linkname: 'train/Bag/0.png' },
      ],
      { gzip: true },
    );
    await expectFailsCleanly(file, 'ARCHIVE_UNSAFE_ENTRY');
  });

  it('symlink in a zip (Unix mode 0120777) → ARCHIVE_UNSAFE_ENTRY', async () => {
    const file = dd.upload('symlink.zip');
    await writeZip(file, [
      { name: 'train/Bag/0.png', data: await onePng() },
      { name: 'train/Bag/link.png', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
    ]);
    const err = await expectFailsCleanly(file, 'ARCHIVE_UNSAFE_ENTRY');
    expect(err.details?.entry).toBe('train/Bag/link.png');
  });
});

describe('limits', () => {
  it('more entries than maxArchiveEntries → ARCHIVE_TOO_MANY_ENTRIES (zip and tar)', async () => {
    const zip = dd.upload('many.zip');
    await makePngZip(zip, { perClass: 1, testPerClass: 1 });
    await expectFailsCleanly(zip, 'ARCHIVE_TOO_MANY_ENTRIES', { maxArchiveEntries: 5 });
    const tgz = dd.upload('many.tgz');
    await makeTarGz(tgz, { perClass: 1, testPerClass: 1 });
    await expectFailsCleanly(tgz, 'ARCHIVE_TOO_MANY_ENTRIES', { maxArchiveEntries: 5 });
  });

  it('a 50 MB entry with a 10 MB inflate limit → ARCHIVE_TOO_LARGE_INFLATED (zip and tar.gz)', async () => {
    const bomb = Buffer.alloc(50 * 1024 * 1024);
    const zip = dd.upload('bomb.zip');
    await writeZip(zip, [
      { name: 'train/Bag/0.png', data: await onePng() },
      { name: 'train/Bag/bomb.png', data: bomb },
    ]);
    await expectFailsCleanly(zip, 'ARCHIVE_TOO_LARGE_INFLATED', { maxInflatedBytes: 10 * 1024 * 1024 });
    const tgz = dd.upload('bomb.tgz');
    await writeTar(tgz, [{ name: 'train/Bag/bomb.png', data: bomb }], { gzip: true });
    await expectFailsCleanly(tgz, 'ARCHIVE_TOO_LARGE_INFLATED', { maxInflatedBytes: 10 * 1024 * 1024 });
  });

  it('a zip whose header understates an entry size is caught while inflating → ARCHIVE_TOO_LARGE_INFLATED', async () => {
    const zip = dd.upload('liar.zip');
    await writeZip(zip, [
      { name: 'train/Bag/0.png', data: await onePng() },
      { name: 'train/Bag/liar.png', data: Buffer.alloc(50 * 1024 * 1024) },
    ]);
    const buf = await readFile(zip);
    setDeclaredZipSize(buf, 'train/Bag/liar.png', 1000);
    await writeFile(zip, buf);
    const err = await expectFailsCleanly(zip, 'ARCHIVE_TOO_LARGE_INFLATED', { maxInflatedBytes: 10 * 1024 * 1024 });
    expect(err.message).toMatch(/liar\.png/);
  });

  it('a tar.gz that inflates to junk past its last entry → ARCHIVE_CORRUPT (bounded, not read to the end)', async () => {
    const plain = dd.upload('junk.tar');
    await writeTar(plain, [{ name: 'train/Bag/0.png', data: await onePng() }], { gzip: false });
    const file = dd.upload('junk.tgz');
    const { gzipSync } = await import('node:zlib');
    await writeFile(file, gzipSync(Buffer.concat([await readFile(plain), Buffer.alloc(64 * 1024 * 1024)])));
    await expectFailsCleanly(file, 'ARCHIVE_CORRUPT');
  });

  it('a 20000×20000 PNG → IMAGE_PIXEL_LIMIT for the whole upload', async () => {
    const file = dd.upload('huge.zip');
    await makePngZip(file, { perClass: 1, classes: ['Bag', 'Coat'], extra: [{ name: 'train/Bag/huge.png', data: hugePng(20000, 20000) }] });
    const err = await expectFailsCleanly(file, 'IMAGE_PIXEL_LIMIT');
    expect(err.details).toMatchObject({ file: 'train/Bag/huge.png', width: 20000, height: 20000 });
  });

  it('an image over maxImageBytes → IMAGE_TOO_LARGE', async () => {
    const file = dd.upload('bytes.zip');
    await makePngZip(file, { perClass: 1, classes: ['Bag'] });
    await expectFailsCleanly(file, 'IMAGE_TOO_LARGE', { maxImageBytes: 100 });
  });

  it('nonsense limits → VALIDATION_FAILED', async () => {
    const file = dd.upload('bytes.zip');
    const err = await expectCnnError(ingestDataset({ kind: 'archive', file }, { datasetDir: dd.datasetDir('x'), limits: { maxArchiveEntries: -1 } }), 'VALIDATION_FAILED');
    expect(err.path).toBe('limits.maxArchiveEntries');
  });
});

describe('bad files', () => {
  it('skips a text file named .png and a truncated PNG, listing why', async () => {
    const file = dd.upload('skips.zip');
    await makePngZip(file, {
      perClass: 2,
      classes: ['Bag', 'Coat'],
      extra: [
        { name: 'train/Bag/notes.png', data: Buffer.from('this is not an image, just text') },
        { name: 'train/Coat/cut.png', data: await truncatedPng() },
      ],
    });
    const manifest = await ingestDataset({ kind: 'archive', file }, { datasetDir: dd.datasetDir('skips') });
    expect(manifest.counts).toEqual({ train: [2, 2] });
    expect(manifest.skippedCount).toBe(2);
    expect(manifest.skipped.map((s) => s.file)).toEqual(['train/Bag/notes.png', 'train/Coat/cut.png']);
    expect(manifest.skipped[0]!.reason).toMatch(/not a PNG, JPEG or WebP/);
    expect(manifest.skipped[1]!.reason).toMatch(/corrupt or truncated png/);
  });

  it('skips every truncated PNG while decoding concurrently with good ones', async () => {
    const cut = await truncatedPng();
    const file = dd.upload('many-cut.zip');
    await makePngZip(file, {
      perClass: 3,
      classes: ['Bag', 'Coat', 'Dress'],
      extra: Array.from({ length: 30 }, (_, i) => ({ name: `train/Bag/cut-${i}.png`, data: cut })),
    });
    const manifest = await ingestDataset({ kind: 'archive', file }, { datasetDir: dd.datasetDir('many-cut') });
    expect(manifest.counts).toEqual({ train: [3, 3, 3] });
    expect(manifest.skippedCount).toBe(30);
  });

  it('skips a truncated large PNG (decoded shrunk) and keeps the complete one', async () => {
    const big = hugePng(3000, 2000);
    const file = dd.upload('big-cut.zip');
    await makePngZip(file, {
      perClass: 1,
      classes: ['Bag', 'Coat'],
      extra: [
        { name: 'train/Bag/big.png', data: big },
        { name: 'train/Bag/big-cut.png', data: big.subarray(0, Math.floor(big.length * 0.9)) },
      ],
    });
    const manifest = await ingestDataset({ kind: 'archive', file }, { datasetDir: dd.datasetDir('big-cut') });
    expect(manifest.counts).toEqual({ train: [2, 1] });
    expect(manifest.skipped.map((s) => s.file)).toEqual(['train/Bag/big-cut.png']);
    expect(manifest.imageStats).toMatchObject({ maxWidth: 3000, maxHeight: 2000, minWidth: 28 });
  });

  it('a class with only bad images → DATASET_EMPTY_CLASS naming it', async () => {
    const file = dd.upload('empty-class.zip');
    await makePngZip(file, {
      perClass: 1,
      classes: ['Bag', 'Coat'],
      extra: [
        { name: 'train/Hat/a.png', data: await truncatedPng() },
        { name: 'train/Hat/b.png', data: Buffer.from('text') },
      ],
    });
    const err = await expectFailsCleanly(file, 'DATASET_EMPTY_CLASS');
    expect(err.details).toEqual({ class: 'Hat' });
  });

  it('nothing valid → DATASET_EMPTY', async () => {
    const file = dd.upload('nothing.tar');
    await writeTar(
      file,
      [
        { name: 'Bag/a.png', data: await truncatedPng() },
        { name: 'Coat/b.jpg', data: Buffer.from('not a jpeg') },
      ],
      { gzip: false },
    );
    await expectFailsCleanly(file, 'DATASET_EMPTY');
  });

  it('an archive of only folders and noise → DATASET_EMPTY', async () => {
    const file = dd.upload('noise-only.zip');
    await writeZip(file, [
      { name: 'train/', type: 'directory' },
      { name: '__MACOSX/x', data: Buffer.from('x') },
    ]);
    await expectFailsCleanly(file, 'DATASET_EMPTY');
  });

  it('entries outside the class-folder layout → ARCHIVE_BAD_LAYOUT naming the entry', async () => {
    const root = dd.upload('readme.zip');
    await makePngZip(root, { perClass: 1, classes: ['Bag'], extra: [{ name: 'README.txt', data: Buffer.from('hi') }] });
    expect((await expectFailsCleanly(root, 'ARCHIVE_BAD_LAYOUT')).details).toEqual({ entry: 'README.txt' });
    const deep = dd.upload('deep.zip');
    await makePngZip(deep, { perClass: 1, classes: ['Bag'], extra: [{ name: 'train/Bag/more/x.png', data: await onePng() }] });
    expect((await expectFailsCleanly(deep, 'ARCHIVE_BAD_LAYOUT')).details).toEqual({ entry: 'train/Bag/more/x.png' });
    const testOnly = dd.upload('test-only.zip');
    await writeZip(testOnly, [{ name: 'test/Bag/0.png', data: await onePng() }]);
    await expectFailsCleanly(testOnly, 'ARCHIVE_BAD_LAYOUT');
  });

  it('not an archive (a PNG, text, an empty file, gzip of text) → ARCHIVE_UNSUPPORTED, whatever the name', async () => {
    const cases: Array<[string, Buffer]> = [
      ['image.zip', await onePng()],
      ['text.tar.gz', Buffer.from('hello, this is plain text and certainly not a tar archive')],
      ['empty.zip', Buffer.alloc(0)],
      ['text.gz', (await import('node:zlib')).gzipSync(Buffer.from('plain text'))],
    ];
    for (const [name, bytes] of cases) {
      const file = dd.upload(name);
      await writeFile(file, bytes);
      await expectFailsCleanly(file, 'ARCHIVE_UNSUPPORTED');
    }
  });

  it('a truncated zip → ARCHIVE_CORRUPT', async () => {
    const file = dd.upload('cut.zip');
    await makePngZip(file, { perClass: 1, classes: ['Bag'] });
    const buf = await readFile(file);
    await writeFile(file, buf.subarray(0, buf.length - 30));
    await expectFailsCleanly(file, 'ARCHIVE_CORRUPT');
  });

  it('a missing upload file → UPLOAD_MISSING_FILE', async () => {
    await expectFailsCleanly(dd.upload('does-not-exist.zip'), 'UPLOAD_MISSING_FILE');
  });

  it('a dataset dir that already holds files → DATASET_EXISTS, and it is left alone', async () => {
    const file = dd.upload('ok.zip');
    await makePngZip(file, { perClass: 1, classes: ['Bag'] });
    const datasetDir = dd.datasetDir('taken');
    await mkdir(datasetDir, { recursive: true });
    await writeFile(join(datasetDir, 'keep.txt'), 'mine');
    await expectCnnError(ingestDataset({ kind: 'archive', file }, { datasetDir }), 'DATASET_EXISTS');
    expect(await readFile(join(datasetDir, 'keep.txt'), 'utf8')).toBe('mine');
  });
});
