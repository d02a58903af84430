/**
 * What an archive entry's name means: whether it is safe, whether it is noise
 * (macOS resource forks, dot-files, Thumbs.db), and which split and class an
 * image belongs to. Pure functions over names; nothing here touches the disk.
 */
import { CnnError } from '../errors.js';

export const SPLITS = ['train', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** File names that OS tools drop into folders; never images. */
const IGNORED_BASENAMES = new Set(['thumbs.db', 'desktop.ini']);

function unsafe(entry: string, why: string): CnnError {
  return new CnnError('ARCHIVE_UNSAFE_ENTRY', `archive entry '${entry}' ${why}; it would be extracted outside the dataset`, 'archive', {
    entry,
  });
}

/**
 * Splits an entry name into path segments, refusing names that could escape
 * the extraction root: absolute paths, drive letters, `..` segments, NUL.
 * Backslashes count as separators, so `..\\x` is caught too. `.` and empty
 * segments (`./a//b`) are dropped.
 */
export function entrySegments(name: string): string[] {
  if (name.includes('\0')) throw unsafe(name, 'contains a NUL byte');
  const s = name.replace(/\\/g, '/');
  if (s.startsWith('/')) throw unsafe(name, 'is an absolute path');
  if (/^[A-Za-z]:/.test(s)) throw unsafe(name, 'starts with a drive letter');
  const segments = s.split('/').filter((seg) => seg !== '' && seg !== '.');
  if (segments.includes('..')) throw unsafe(name, "has a '..' segment");
  return segments;
}

/** Entries skipped silently: `__MACOSX/`, dot-files and dot-folders, Thumbs.db, desktop.ini. */
export function isIgnoredEntry(segments: readonly string[]): boolean {
  if (segments.length === 0) return true;
  if (segments.some((s) => s === '__MACOSX' || s.startsWith('.'))) return true;
  return IGNORED_BASENAMES.has(segments[segments.length - 1]!.toLowerCase());
}

export interface LayoutEntry {
  /** The name as stored in the archive, for messages. */
  name: string;
  segments: readonly string[];
}

export interface Placement {
  split: Split;
  className: string;
}

export interface Layout {
  /** One per input entry, in the same order. */
  placements: Placement[];
  /** Class names, sorted by code unit so the order never depends on a locale. */
  classes: string[];
  hasTest: boolean;
}

function splitOf(segment: string): Split | null {
  const s = segment.toLowerCase();
  return s === 'train' || s === 'test' ? s : null;
}

function badLayout(entry: string, why: string): CnnError {
  return new CnnError(
    'ARCHIVE_BAD_LAYOUT',
    `archive entry '${entry}' ${why}; expected <class>/<image>, optionally under train/ and test/ (and at most one wrapping folder)`,
    'archive',
    { entry },
  );
}

/**
 * Assigns each file entry a split and a class. Accepted layouts:
 * `<class>/<img>` (all train) or `train|test/<class>/<img>`, either of them
 * optionally inside one wrapping folder (`mydata/...`). The first entry that
 * fits neither fails the whole upload, naming that entry.
 */
export function planLayout(files: readonly LayoutEntry[]): Layout {
  let paths = files.map((f) => f.segments);
  const first = paths[0]?.[0];
  const wrapped =
    first !== undefined && splitOf(first) === null && paths.every((p) => p.length >= 3 && p[0] === first);
  if (wrapped) paths = paths.map((p) => p.slice(1));

  const splitMode = paths.some((p) => p.length === 3 && splitOf(p[0]!) !== null);
  const placements: Placement[] = [];
  const classes = new Set<string>();
  let hasTrain = false;
  let hasTest = false;
  paths.forEach((p, i) => {
    const name = files[i]!.name;
    let placement: Placement;
    if (splitMode) {
      const split = p.length === 3 ? splitOf(p[0]!) : null;
      if (split === null) throw badLayout(name, 'is not inside train/<class>/ or test/<class>/');
      placement = { split, className: p[1]! };
    } else {
      if (p.length !== 2) throw badLayout(name, p.length < 2 ? 'is not inside a class folder' : 'is nested too deep');
      placement = { split: 'train', className: p[0]! };
    }
    if (placement.split === 'train') hasTrain = true;
    else hasTest = true;
    classes.add(placement.className);
    placements.push(placement);
  });
  if (hasTest && !hasTrain) throw badLayout(files[0]!.name, 'is under test/ but the archive has no train/ folder');
  return { placements, classes: [...classes].sort(), hasTest };
}
