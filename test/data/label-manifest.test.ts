// Archives that name their images in manifest.csv or manifest.jsonl: good
// ones ingest with the manifest's labels and splits; each bad line is
// MANIFEST_INVALID naming the line and the column.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestDataset, readItems } from '../../src/data/index.js';
import { makeZipSlip, writeTar, writeZip, type ArchiveFile } from '../helpers/fixtures.js';
import { expectCnnError, listing, tempDataDir, type TempDataDir } from './helpers.js';
import { blockPng } from './preflight-fixtures.js';

let dd: TempDataDir;
let images: ArchiveFile[];
beforeAll(async () => {
  dd = await tempDataDir();
  // Flat names that say nothing about classes: only the manifest does.
  images = await Promise.all(Array.from({ length: 6 }, async (_, i) => ({ name: `img/${i}.png`, data: await blockPng(i + 1) })));
}, 30_000);
afterAll(async () => dd.cleanup());

let n = 0;
async function ingestWith(manifestName: string, manifest: string, opts: { extra?: ArchiveFile[]; tar?: boolean } = {}) {
  const files = [...images, ...(opts.extra ?? []), { name: manifestName, data: Buffer.from(manifest) }];
  const file = dd.upload(`m${++n}.${opts.tar ? 'tar.gz' : 'zip'}`);
  if (opts.tar) await writeTar(file, files, { gzip: true });
  else await writeZip(file, files);
  return { file, run: () => ingestDataset({ kind: 'archive', file }, { datasetDir: dd.datasetDir(`m${n}`) }), dir: dd.datasetDir(`m${n}`) };
}

describe('good manifests', () => {
  it('manifest.csv: header, quoted fields, splits, columns in any order; only listed files are used', async () => {
    const csv = [
      'label,path,split',
      'cat,img/0.png,train',
      '"big cat",img/1.png,',
      '"cat",./img/2.png,Train',
      'dog,img/3.png,train',
      'dog,"img/4.png",test',
      'cat,img/5.png,test',
      '',
    ].join('\r\n');
    const { run, dir } = await ingestWith('manifest.csv', csv, { extra: [{ name: 'README.txt', data: Buffer.from('unlisted, ignored') }] });
    const m = await run();
    expect(m.classes).toEqual(['big cat', 'cat', 'dog']);
    expect(m.counts).toEqual({ train: [1, 2, 1], test: [0, 1, 1] });
    expect(m.skippedCount).toBe(0);
    const items = await readItems(dir);
    expect(items.map((i) => [i.source, i.split, m.classes[i.label]])).toEqual([
      ['img/0.png', 'train', 'cat'],
      ['img/1.png', 'train', 'big cat'],
      ['img/2.png', 'train', 'cat'],
      ['img/3.png', 'train', 'dog'],
      ['img/4.png', 'test', 'dog'],
      ['img/5.png', 'test', 'cat'],
    ]);
  });

  it('manifest.jsonl in a tar.gz, split optional, integer labels', async () => {
    const jsonl = [
      '{"path":"img/0.png","label":"0"}',
      '{"path":"img/1.png","label":1}',
      '{"path":"img/2.png","label":"0","split":"test"}',
      '{"path":"img/3.png","label":"1","split":"test"}',
    ].join('\n');
    const { run } = await ingestWith('manifest.jsonl', jsonl, { tar: true });
    const m = await run();
    expect(m.classes).toEqual(['0', '1']);
    expect(m.counts).toEqual({ train: [1, 1], test: [1, 1] });
    expect(m.preflight!.classes).toEqual([
      { name: '0', train: 1, test: 1 },
      { name: '1', train: 1, test: 1 },
    ]);
  });
});

describe('bad manifest lines name the line and the column', () => {
  const cases: Array<[string, string, string, string, Record<string, unknown>]> = [
    ['missing file', 'manifest.csv', 'path,label\nimg/0.png,a\nimg/nope.png,b\n', 'manifest.csv[3].path', { line: 3, column: 'path', entry: 'img/nope.png' }],
    ['unknown split', 'manifest.csv', 'path,label,split\nimg/0.png,a,train\nimg/1.png,b,validation\n', 'manifest.csv[3].split', { line: 3, column: 'split' }],
    ['empty label', 'manifest.csv', 'path,label\nimg/0.png,a\nimg/1.png, \n', 'manifest.csv[3].label', { line: 3, column: 'label' }],
    ['duplicate path', 'manifest.csv', 'path,label\nimg/0.png,a\nimg/1.png,b\n./img/0.png,b\n', 'manifest.csv[4].path', { line: 4, column: 'path', firstLine: 2 }],
    ['path outside the archive (..)', 'manifest.csv', 'path,label\nimg/0.png,a\n../etc/passwd,b\n', 'manifest.csv[3].path', { line: 3, column: 'path', entry: '../etc/passwd' }],
    ['absolute path', 'manifest.jsonl', '{"path":"/etc/passwd","label":"a"}\n', 'manifest.jsonl[1].path', { line: 1, column: 'path' }],
    ['empty path', 'manifest.jsonl', '{"path":"img/0.png","label":"a"}\n{"label":"b"}\n', 'manifest.jsonl[2].path', { line: 2, column: 'path' }],
    ['unknown split (JSONL)', 'manifest.jsonl', '{"path":"img/0.png","label":"a","split":"val"}\n', 'manifest.jsonl[1].split', { line: 1, column: 'split' }],
    ['empty label (JSONL)', 'manifest.jsonl', '{"path":"img/0.png","label":""}\n', 'manifest.jsonl[1].label', { line: 1, column: 'label' }],
    ['a label that is not a string', 'manifest.jsonl', '{"path":"img/0.png","label":["a"]}\n', 'manifest.jsonl[1].label', { line: 1, column: 'label' }],
    ['not JSON', 'manifest.jsonl', '{"path":"img/0.png","label":"a"}\n{path: img/1.png}\n', 'manifest.jsonl[2]', { line: 2 }],
    ['a header without label', 'manifest.csv', 'path,class\nimg/0.png,a\n', 'manifest.csv[1].label', { line: 1, column: 'label' }],
    ['a row with too many fields', 'manifest.csv', 'path,label\nimg/0.png,a,test\n', 'manifest.csv[2]', { line: 2 }],
    ['an unclosed quote', 'manifest.csv', 'path,label\n"img/0.png,a\n', 'manifest.csv[2]', { line: 2 }],
    ['the manifest listing itself', 'manifest.csv', 'path,label\nmanifest.csv,a\n', 'manifest.csv[2].path', { line: 2, column: 'path' }],
  ];
  for (const [what, name, text, path, details] of cases) {
    it(`${what} → ${path}`, async () => {
      const { run, dir } = await ingestWith(name, text);
      const err = await expectCnnError(run(), 'MANIFEST_INVALID');
      expect(err.path).toBe(path);
      expect(err.details).toMatchObject({ manifest: name, ...details });
      expect(await listing(dir)).toEqual([]);
    });
  }

  it('both manifests at once are refused', async () => {
    const { run } = await ingestWith('manifest.csv', 'path,label\nimg/0.png,a\n', { extra: [{ name: 'manifest.jsonl', data: Buffer.from('{"path":"img/1.png","label":"a"}') }] });
    const err = await expectCnnError(run(), 'MANIFEST_INVALID');
    expect(err.path).toBe('archive');
  });
});

describe('the archive checks still apply', () => {
  it('a zip-slip entry is refused before the manifest is read', async () => {
    const file = dd.upload('slip.zip');
    await makeZipSlip(file);
    await expectCnnError(ingestDataset({ kind: 'archive', file }, { datasetDir: dd.datasetDir('slip') }), 'ARCHIVE_UNSAFE_ENTRY');
  });

  it('the inflate limit counts the manifest and the images', async () => {
    const { file } = await ingestWith('manifest.csv', 'path,label\nimg/0.png,a\nimg/1.png,b\n');
    await expectCnnError(ingestDataset({ kind: 'archive', file }, { datasetDir: dd.datasetDir('small-limit'), limits: { maxInflatedBytes: 200 } }), 'ARCHIVE_TOO_LARGE_INFLATED');
  });

  it('a listed file that is not an image is skipped with its reason, as in folders', async () => {
    const { run } = await ingestWith('manifest.csv', 'path,label\nimg/0.png,a\nimg/1.png,b\nnotes.txt,b\n', { extra: [{ name: 'notes.txt', data: Buffer.from('hello') }] });
    const m = await run();
    expect(m.skipped).toEqual([{ file: 'notes.txt', reason: 'not a PNG, JPEG or WebP image (judged by its bytes)' }]);
    expect(m.counts).toEqual({ train: [1, 1] });
  });
});
