import { describe, expect, it } from 'vitest';
import { CnnError } from '../../src/errors.js';
import { entrySegments, isIgnoredEntry, planLayout } from '../../src/data/layout.js';
import { sniffImage } from '../../src/data/sniff.js';

describe('entrySegments', () => {
  it.each<[string, string[]]>([
    ['Bag/0.png', ['Bag', '0.png']],
    ['./train/Bag/0.png', ['train', 'Bag', '0.png']],
    ['train//Bag/', ['train', 'Bag']],
    ['train\\Bag\\0.png', ['train', 'Bag', '0.png']],
    ['a..b/c..png', ['a..b', 'c..png']],
    ['./', []],
  ])('%j → %j', (name, segments) => {
    expect(entrySegments(name)).toEqual(segments);
  });

  it.each(['../evil.txt', 'train/../../evil', '/etc/passwd', '//server/share', 'C:/Windows/x', 'c:evil', '..\\evil', 'train\\..\\..\\x', 'a\0b'])(
    '%j is unsafe',
    (name) => {
      let err: unknown;
      try {
        entrySegments(name);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CnnError);
      expect((err as CnnError).code).toBe('ARCHIVE_UNSAFE_ENTRY');
      expect((err as CnnError).details).toEqual({ entry: name });
    },
  );
});

describe('isIgnoredEntry', () => {
  it.each<[string, boolean]>([
    ['__MACOSX/train/Bag/._0.png', true],
    ['train/Bag/.DS_Store', true],
    ['.git/config', true],
    ['train/Bag/Thumbs.db', true],
    ['train/Bag/thumbs.db', true],
    ['train/Bag/desktop.ini', true],
    ['train/Bag/0.png', false],
    ['train/Bag/x.y.png', false],
  ])('%s → %s', (name, ignored) => {
    expect(isIgnoredEntry(entrySegments(name))).toBe(ignored);
  });
});

function plan(names: string[]) {
  return planLayout(names.map((name) => ({ name, segments: entrySegments(name) })));
}

function layoutError(names: string[]): CnnError {
  try {
    plan(names);
  } catch (e) {
    return e as CnnError;
  }
  throw new Error('expected ARCHIVE_BAD_LAYOUT');
}

describe('planLayout', () => {
  it('flat <class>/<img>: all train, classes sorted by code unit', () => {
    const l = plan(['b/1.png', 'a/1.png', 'B/1.png']);
    expect(l.classes).toEqual(['B', 'a', 'b']);
    expect(l.hasTest).toBe(false);
    expect(l.placements).toEqual([
      { split: 'train', className: 'b' },
      { split: 'train', className: 'a' },
      { split: 'train', className: 'B' },
    ]);
  });

  it('train/ and test/ (any case), with a class only in test', () => {
    const l = plan(['Train/a/1.png', 'TEST/a/2.png', 'test/b/3.png', 'train/b/4.png']);
    expect(l.classes).toEqual(['a', 'b']);
    expect(l.hasTest).toBe(true);
    expect(l.placements.map((p) => p.split)).toEqual(['train', 'test', 'test', 'train']);
  });

  it('strips one wrapping folder, for flat and split layouts', () => {
    expect(plan(['mydata/a/1.png', 'mydata/b/1.png']).classes).toEqual(['a', 'b']);
    const split = plan(['fashion/train/a/1.png', 'fashion/test/a/1.png']);
    expect(split.placements).toEqual([
      { split: 'train', className: 'a' },
      { split: 'test', className: 'a' },
    ]);
  });

  it('a single class folder is a class, not a wrapper', () => {
    expect(plan(['cats/1.png', 'cats/2.png']).classes).toEqual(['cats']);
  });

  it.each<[string[], string]>([
    [['a/1.png', 'README.txt'], 'README.txt'],
    [['a/1.png', 'a/deep/2.png'], 'a/deep/2.png'],
    [['train/a/1.png', 'b/2.png'], 'b/2.png'],
    [['train/a/1.png', 'train/a/x/2.png'], 'train/a/x/2.png'],
    [['test/a/1.png'], 'test/a/1.png'],
    [['w1/a/1.png', 'w1/b/1.png', 'w2/a/x/1.png'], 'w2/a/x/1.png'],
    [['mydata/a/1.png', 'mydata/b/1.png', 'README.txt'], 'README.txt'],
    [['mydata/train/a/1.png', 'mydata/test/a/1.png', 'mydata/notes.txt'], 'mydata/notes.txt'],
  ])('%j → ARCHIVE_BAD_LAYOUT naming %s', (names, entry) => {
    const err = layoutError(names);
    expect(err.code).toBe('ARCHIVE_BAD_LAYOUT');
    expect(err.details).toEqual({ entry });
  });
});

describe('sniffImage', () => {
  it.each<[string, number[], string | null]>([
    ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'png'],
    ['jpeg', [0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1], 'jpeg'],
    ['webp', [...Buffer.from('RIFF'), 1, 0, 0, 0, ...Buffer.from('WEBP')], 'webp'],
    ['gif', [...Buffer.from('GIF89a'), 1, 0, 1, 0, 0, 0], null],
    ['wav', [...Buffer.from('RIFF'), 1, 0, 0, 0, ...Buffer.from('WAVE')], null],
    ['text', [...Buffer.from('hello world!')], null],
    ['short', [0x89, 0x50], null],
  ])('%s', (_name, bytes, kind) => {
    expect(sniffImage(Uint8Array.from(bytes))).toBe(kind);
  });
});
