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

/** One way to read the paths: with or without a wrapping folder, with or without train/ and test/. */
interface LayoutMode {
  wrap: string | null;
  split: boolean;
}

function place(p: readonly string[], mode: LayoutMode): Placement | null {
  let q = p;
  if (mode.wrap !== null) {
    if (q[0] !== mode.wrap) return null;
    q = q.slice(1);
  }
  if (!mode.split) return q.length === 2 ? { split: 'train', className: q[0]! } : null;
  const split = q.length === 3 ? splitOf(q[0]!) : null;
  return split ? { split, className: q[1]! } : null;
}

/** The most common first segment that is not train/test: the wrapping folder, if there is one. */
function wrapperCandidate(paths: ReadonlyArray<readonly string[]>): string | null {
  const counts = new Map<string, number>();
  for (const p of paths) if (p.length >= 3 && splitOf(p[0]!) === null) counts.set(p[0]!, (counts.get(p[0]!) ?? 0) + 1);
  let best: string | null = null;
  for (const [seg, n] of counts) if (best === null || n > counts.get(best)!) best = seg;
  return best;
}

/**
 * Assigns each file entry a split and a class. Accepted layouts:
 * `<class>/<img>` (all train) or `train|test/<class>/<img>`, either of them
 * optionally inside one wrapping folder (`mydata/...`). The layout that fits
 * the most entries is taken; the first entry that does not fit it fails the
 * whole upload, naming that entry.
 */
export function planLayout(files: readonly LayoutEntry[]): Layout {
  const paths = files.map((f) => f.segments);
  const wrap = wrapperCandidate(paths);
  const modes: LayoutMode[] = [
    { wrap: null, split: true },
    { wrap: null, split: false },
    ...(wrap === null ? [] : [{ wrap, split: true }, { wrap, split: false }]),
  ];
  let mode = modes[0]!;
  let bestFits = -1;
  for (const m of modes) {
    const fits = paths.reduce((n, p) => n + (place(p, m) ? 1 : 0), 0);
    if (fits > bestFits) [mode, bestFits] = [m, fits];
  }

  const placements: Placement[] = [];
  const classes = new Set<string>();
  let hasTrain = false;
  let hasTest = false;
  paths.forEach((p, i) => {
    const placement = place(p, mode);
    if (!placement) throw badLayout(files[i]!.name, mode.split ? 'is not inside train/<class>/ or test/<class>/' : 'is not directly inside a class folder');
    if (placement.split === 'train') hasTrain = true;
    else hasTest = true;
    classes.add(placement.className);
    placements.push(placement);
  });
  if (hasTest && !hasTrain) throw badLayout(files[0]!.name, 'is under test/ but the archive has no train/ folder');
  return { placements, classes: [...classes].sort(), hasTest };
}
