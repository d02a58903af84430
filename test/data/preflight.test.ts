// The pre-flight report on real ingests: every planted problem is found, with
// its code, severity and files; the arithmetic (dHash, Hamming) on tables.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dhash, encodeIdx, hammingDistance, ingestDataset, type PreflightReport } from '../../src/data/index.js';
import { PREFLIGHT_FINDINGS, buildPreflightReport } from '../../src/data/preflight.js';
import { writeZip } from '../helpers/fixtures.js';
import { tempDataDir, type TempDataDir } from './helpers.js';
import { blockPixels, plantedDataset } from './preflight-fixtures.js';

let dd: TempDataDir;
beforeAll(async () => {
  dd = await tempDataDir();
});
afterAll(async () => dd.cleanup());

function byCode(report: PreflightReport): Record<string, PreflightReport['findings'][number]> {
  return Object.fromEntries(report.findings.map((f) => [f.code, f]));
}

describe('dHash', () => {
  it('sets a bit where the left cell is brighter than the right, row-major, most significant first', () => {
    // 9×8 pixels = one pixel per cell. Row 0 falls left to right (all 8 bits 1), the rest rise (0).
    const px = Buffer.alloc(72);
    for (let r = 0; r < 8; r++) for (let c = 0; c < 9; c++) px[r * 9 + c] = r === 0 ? 200 - c : 10 + c;
    expect(dhash(px, 9, 8, 1)).toBe('ff00000000000000');
    // The last row falling instead: the lowest byte.
    for (let c = 0; c < 9; c++) px[63 + c] = 200 - c;
    expect(dhash(px, 9, 8, 1)).toBe('ff000000000000ff');
  });

  it('averages cells, ignores uniform shifts and alpha, and takes grey from RGB', () => {
    const grey = blockPixels(7);
    const h = dhash(grey, 36, 32, 1);
    expect(dhash(Buffer.from(grey.map((v) => v + 8)), 36, 32, 1)).toBe(h);
    const rgba = Buffer.alloc(grey.length * 4);
    grey.forEach((v, i) => rgba.set([v, v, v, i % 256], 4 * i));
    expect(dhash(rgba, 36, 32, 4)).toBe(h);
  });

  it('counts differing bits', () => {
    expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0);
    expect(hammingDistance('ffffffffffffffff', '0000000000000000')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
    expect(hammingDistance('00000000000000f0', '000000000000000f')).toBe(8);
  });
});

describe('pre-flight report of an archive with planted problems', () => {
  let report: PreflightReport;
  beforeAll(async () => {
    const file = dd.upload('planted.zip');
    await writeZip(file, (await plantedDataset()).files);
    const manifest = await ingestDataset({ kind: 'archive', file }, { datasetDir: dd.datasetDir('planted') });
    report = manifest.preflight!;
  }, 60_000);

  it('lists errors first, then warnings, each code once', () => {
    expect(report.findings.map((f) => [f.severity, f.code])).toEqual([
      ['error', 'PREFLIGHT_CLASS_TOO_SMALL'],
      ['error', 'PREFLIGHT_CLASS_MISSING_IN_SPLIT'],
      ['error', 'PREFLIGHT_CROSS_SPLIT_DUPLICATES'],
      ['warning', 'PREFLIGHT_IMBALANCE'],
      ['warning', 'PREFLIGHT_SKIPPED_FILES'],
      ['warning', 'PREFLIGHT_DUPLICATES'],
      ['warning', 'PREFLIGHT_CROSS_SPLIT_NEAR_DUPLICATES'],
    ]);
    expect([report.errors, report.warnings]).toEqual([3, 4]);
    expect(report.thresholds).toEqual({ minPerClass: 10, imbalanceRatio: 10, nearDuplicateMaxBits: 4, nearDuplicateMaxThumbDiff: 3 });
  });

  it('counts per class and split, and the imbalance ratio', () => {
    expect(report.classes).toEqual([
      { name: 'cat', train: 31, test: 4 },
      { name: 'dog', train: 12, test: 4 },
      { name: 'ghost', train: 0, test: 1 },
      { name: 'onlytrain', train: 12, test: 0 },
      { name: 'tiny', train: 3, test: 2 },
    ]);
    expect(report.imbalanceRatio).toBe(10.33);
    expect(byCode(report).PREFLIGHT_IMBALANCE!.message).toContain("'cat' has 31 images, 'tiny' 3");
  });

  it('finds the tiny class, with its files', () => {
    const f = byCode(report).PREFLIGHT_CLASS_TOO_SMALL!;
    expect(f.message).toContain('tiny (3)');
    expect(f.files).toEqual(['train/tiny/t0.png', 'train/tiny/t1.png', 'train/tiny/t2.png']);
  });

  it('finds the class missing from test and the one missing from train', () => {
    const f = byCode(report).PREFLIGHT_CLASS_MISSING_IN_SPLIT!;
    expect(f.message).toContain('in train but not in test: onlytrain');
    expect(f.message).toContain('in test but not in train: ghost');
    expect(f.files).toEqual(['test/ghost/g0.png']);
  });

  it('finds the exact copy across splits (train↔test leakage) and within train', () => {
    const cross = byCode(report).PREFLIGHT_CROSS_SPLIT_DUPLICATES!;
    expect(cross.files).toEqual(['train/cat/c0.png', 'train/cat/c0-copy.png', 'test/cat/dup.png']);
    const within = byCode(report).PREFLIGHT_DUPLICATES!;
    expect(within.severity).toBe('warning');
    expect(within.files).toEqual(['train/cat/c0.png', 'train/cat/c0-copy.png']);
    expect(report.duplicates.crossSplit).toEqual({ groups: 1, files: 3, listed: [cross.files] });
    expect(report.duplicates.withinSplit).toEqual({ groups: 1, files: 2, listed: [within.files] });
  });

  it('finds the brightened copy as a near-duplicate, and nothing else', () => {
    const f = byCode(report).PREFLIGHT_CROSS_SPLIT_NEAR_DUPLICATES!;
    expect(f.files).toEqual(['train/dog/d0.png', 'test/dog/near.png']);
    expect(report.duplicates.nearCrossSplit).toEqual({
      pairs: 1,
      testImages: 1,
      complete: true,
      listed: [{ train: 'train/dog/d0.png', test: 'test/dog/near.png', distance: 0 }],
    });
  });

  it('lists the skipped files with their reasons', () => {
    const f = byCode(report).PREFLIGHT_SKIPPED_FILES!;
    expect(f.files).toEqual(['train/cat/broken.png', 'train/dog/notes.txt']);
    expect(report.skipped).toEqual({
      count: 2,
      byReason: { 'corrupt or truncated png': 1, 'not a PNG, JPEG or WebP image (judged by its bytes)': 1 },
    });
  });

  it('describes the geometry', () => {
    expect(report.geometry).toEqual({
      width: { min: 36, median: 36, max: 45 },
      height: { min: 32, median: 32, max: 40 },
      differentFromMedian: 1,
      channels: { 1: 68, 3: 1 },
      modes: { grey: 68, rgb: 1 },
      sizes: [
        { width: 36, height: 32, count: 68 },
        { width: 45, height: 40, count: 1 },
      ],
      otherSizes: 0,
    });
  });
});

describe('pre-flight report of IDX uploads', () => {
  it('names files by split and index', async () => {
    // 12 train rows of 2 classes (alternating), 4 test rows (0, 0, 1, 1); test[1] is train[0], test[3] is train[5] brightened.
    const rows = (n: number, from: number): Buffer[] => Array.from({ length: n }, (_, i) => blockPixels(100 + from + i, 1));
    const train = rows(12, 0);
    const test = rows(4, 50);
    test[1] = train[0]!;
    test[3] = Buffer.from(train[5]!.map((v) => v + 8));
    const labels = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i % 2));
    const write = async (name: string, magic: number, dims: number[], data: Buffer): Promise<string> => {
      const path = dd.upload(name);
      await writeFile(path, gzipSync(encodeIdx(magic, dims, data)));
      return path;
    };
    await mkdir(dd.uploads, { recursive: true });
    const manifest = await ingestDataset(
      {
        kind: 'idx',
        train: { images: await write('tr-img', 0x803, [12, 8, 9], Buffer.concat(train)), labels: await write('tr-lab', 0x801, [12], labels(12)) },
        test: { images: await write('te-img', 0x803, [4, 8, 9], Buffer.concat(test)), labels: await write('te-lab', 0x801, [4], Buffer.from([0, 0, 1, 1])) },
      },
      { datasetDir: dd.datasetDir('idx'), minPerClass: 5 },
    );
    const report = manifest.preflight!;
    expect(report.findings.map((f) => [f.code, f.files])).toEqual([
      ['PREFLIGHT_CROSS_SPLIT_DUPLICATES', ['train[0]', 'test[1]']],
      ['PREFLIGHT_CROSS_SPLIT_NEAR_DUPLICATES', ['train[5]', 'test[3]']],
    ]);
    expect(report.classes).toEqual([
      { name: '0', train: 6, test: 2 },
      { name: '1', train: 6, test: 2 },
    ]);
    expect(report.geometry.sizes).toEqual([{ width: 9, height: 8, count: 16 }]);
  });
});

describe('report rules on tables', () => {
  const image = (file: string, split: 'train' | 'test', label: number, sha1 = file): Parameters<typeof buildPreflightReport>[0]['images'][number] => ({
    file,
    split,
    label,
    width: 4,
    height: 4,
    channels: 1,
    sha1,
  });

  it('one class: no imbalance ratio; no test split: no split findings', () => {
    const r = buildPreflightReport({ classes: ['a'], hasTest: false, images: [image('a1', 'train', 0)], skipped: [], minPerClass: 1 });
    expect(r.imbalanceRatio).toBeNull();
    expect(r.findings).toEqual([]);
  });

  it('the same bytes in two classes are conflicting labels (an error), not duplicates', () => {
    const r = buildPreflightReport({
      classes: ['a', 'b'],
      hasTest: false,
      images: [image('a/x', 'train', 0, 'h'), image('b/x', 'train', 1, 'h')],
      skipped: [],
      minPerClass: 1,
    });
    expect(r.findings).toEqual([{ severity: 'error', code: 'PREFLIGHT_CONFLICTING_LABELS', message: expect.any(String), files: ['a/x', 'b/x'] }]);
  });

  it('imbalance is a warning from 10:1 on, not below', () => {
    const many = (n: number, label: number): ReturnType<typeof image>[] => Array.from({ length: n }, (_, i) => image(`${label}/${i}`, 'train', label));
    const at = (n: number): string[] =>
      buildPreflightReport({ classes: ['a', 'b'], hasTest: false, images: [...many(n, 0), ...many(1, 1)], skipped: [], minPerClass: 1 }).findings.map((f) => f.code);
    expect(at(9)).toEqual([]);
    expect(at(10)).toEqual(['PREFLIGHT_IMBALANCE']);
  });
});

describe('the README documents every finding code', () => {
  it('with its severity', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const [code, { severity }] of Object.entries(PREFLIGHT_FINDINGS)) expect(readme, code).toContain(`| \`${code}\` | ${severity} |`);
  });
});
