/**
 * The pre-flight report: what is wrong or worth knowing about a dataset
 * before anyone trains on it. Computed once at ingest from what ingest saw
 * (labels, splits, sizes, skipped files, and each image's fingerprints, see
 * fingerprint.ts) and stored in the manifest, so it costs nothing to read.
 *
 * Findings carry a stable code (PREFLIGHT_FINDINGS) and a severity. A train
 * or finetune job on a dataset with an `error` finding is refused
 * (DATASET_PREFLIGHT_FAILED) unless it sets `allowPreflightErrors`.
 */
import { z } from 'zod';
import { THUMB_MAX_MEAN_DIFF, popcount32, thumbDistance } from './fingerprint.js';
import type { Split } from './layout.js';
import type { SkippedFile } from './manifest.js';

export const PREFLIGHT_VERSION = 1;
/** Default of CNN_PREFLIGHT_MIN_PER_CLASS: fewer training images than this in a class is an error. */
export const DEFAULT_PREFLIGHT_MIN_PER_CLASS = 10;
/** Largest over smallest class (training images) from which the imbalance is a warning. */
export const PREFLIGHT_IMBALANCE_RATIO = 10;
/** Two images whose dHashes differ in at most this many of 64 bits are near-duplicates. */
export const PREFLIGHT_NEAR_DUPLICATE_MAX_BITS = 4;
/** Files listed per finding at most; the message has the full count. */
export const PREFLIGHT_MAX_FILES = 500;
/** Groups or pairs listed per kind in `duplicates` at most. */
export const PREFLIGHT_MAX_GROUPS = 200;
/** Distinct image sizes listed in `geometry.sizes` at most. */
export const PREFLIGHT_MAX_SIZES = 100;
/** Hash comparisons the near-duplicate search may make; past it the search stops (`nearCrossSplit.complete: false`). */
const NEAR_DUPLICATE_MAX_COMPARISONS = 20_000_000;

/** Every finding code, with its severity and meaning (the README's "Data checks" table). */
export const PREFLIGHT_FINDINGS = {
  PREFLIGHT_CROSS_SPLIT_DUPLICATES: {
    severity: 'error',
    doc: 'The same file (by content hash) is in train and in test: test accuracy would measure memory, not generalisation.',
  },
  PREFLIGHT_CONFLICTING_LABELS: { severity: 'error', doc: 'The same file (by content hash) is in two classes.' },
  PREFLIGHT_CLASS_MISSING_IN_SPLIT: {
    severity: 'error',
    doc: 'A class has training images but none in test (it is never scored), or test images but none in train (it is never learned).',
  },
  PREFLIGHT_CLASS_TOO_SMALL: { severity: 'error', doc: 'A class has fewer training images than CNN_PREFLIGHT_MIN_PER_CLASS (default 10).' },
  PREFLIGHT_CROSS_SPLIT_NEAR_DUPLICATES: {
    severity: 'warning',
    doc: `A test image looks like a training image: their dHashes differ in at most ${PREFLIGHT_NEAR_DUPLICATE_MAX_BITS} of 64 bits and their 9×8 thumbnails by at most ${THUMB_MAX_MEAN_DIFF} grey levels on average, brightness aside (re-encoded, resized or slightly edited copies).`,
  },
  PREFLIGHT_DUPLICATES: { severity: 'warning', doc: 'The same file (by content hash) is more than once in one split and class.' },
  PREFLIGHT_IMBALANCE: { severity: 'warning', doc: `The largest class has at least ${PREFLIGHT_IMBALANCE_RATIO}× the training images of the smallest.` },
  PREFLIGHT_SKIPPED_FILES: { severity: 'warning', doc: 'Files were left out of the dataset (not an image, truncated or corrupt, unreadable header, encrypted), each with its reason.' },
} as const satisfies Record<string, { severity: 'error' | 'warning'; doc: string }>;

export type PreflightCode = keyof typeof PREFLIGHT_FINDINGS;
const CODES = Object.keys(PREFLIGHT_FINDINGS) as [PreflightCode, ...PreflightCode[]];

const Count = z.int().nonnegative();
const MinMedianMax = z.object({ min: Count, median: z.number().nonnegative(), max: Count });

export const PreflightFindingSchema = z.object({
  severity: z.enum(['error', 'warning']),
  code: z.enum(CODES),
  message: z.string(),
  /** The files concerned (archive paths, or `train[i]`/`test[i]` for IDX), first PREFLIGHT_MAX_FILES. */
  files: z.array(z.string()).optional(),
});
export type PreflightFinding = z.infer<typeof PreflightFindingSchema>;

export const PreflightReportSchema = z.object({
  version: z.literal(PREFLIGHT_VERSION),
  findings: z.array(PreflightFindingSchema),
  errors: Count,
  warnings: Count,
  thresholds: z.object({ minPerClass: Count, imbalanceRatio: z.number(), nearDuplicateMaxBits: Count, nearDuplicateMaxThumbDiff: z.number() }),
  /** Valid images per class and split; `test` only when the dataset has a test split. */
  classes: z.array(z.object({ name: z.string(), train: Count, test: Count.optional() })),
  /** Largest over smallest class by training images (classes with none left out); null with one class. */
  imbalanceRatio: z.number().nullable(),
  skipped: z.object({ count: Count, byReason: z.record(z.string(), Count) }),
  duplicates: z.object({
    /** Groups of identical files within one split: each group's paths. */
    withinSplit: z.object({ groups: Count, files: Count, listed: z.array(z.array(z.string())) }),
    /** Groups of identical files across splits: train paths first, then test paths. */
    crossSplit: z.object({ groups: Count, files: Count, listed: z.array(z.array(z.string())) }),
    /** Train/test pairs within the dHash distance (exact duplicates not counted). */
    nearCrossSplit: z.object({
      pairs: Count,
      testImages: Count,
      complete: z.boolean(),
      listed: z.array(z.object({ train: z.string(), test: z.string(), distance: Count })),
    }),
  }),
  geometry: z.object({
    width: MinMedianMax,
    height: MinMedianMax,
    /** Images whose size is not the median width × median height: resized when the input is that size. */
    differentFromMedian: Count,
    /** Images per decoded channel count: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
    channels: z.record(z.string(), Count),
    modes: z.record(z.string(), Count),
    /** The most common sizes, most common first (first PREFLIGHT_MAX_SIZES); `otherSizes` counts the images of the rest. */
    sizes: z.array(z.object({ width: Count, height: Count, count: Count })),
    otherSizes: Count,
  }),
});
export type PreflightReport = z.infer<typeof PreflightReportSchema>;

/** One stored image as the report sees it. */
export interface PreflightImage {
  /** Archive path, or `train[i]` for IDX. */
  file: string;
  split: Split;
  label: number;
  width: number;
  height: number;
  channels: number;
  sha1: string;
  dhash?: string;
  /** 9×8 grey thumbnail (fingerprint.ts), to confirm a dHash match. */
  thumb?: Uint8Array;
}

export interface PreflightInput {
  classes: readonly string[];
  hasTest: boolean;
  images: readonly PreflightImage[];
  /** Every skipped file (not only the listed ones). */
  skipped: readonly SkippedFile[];
  minPerClass: number;
}

const MODES: Record<number, string> = { 1: 'grey', 2: 'grey+alpha', 3: 'rgb', 4: 'rgba' };

function finding(code: PreflightCode, message: string, files?: readonly string[]): PreflightFinding {
  const f: PreflightFinding = { severity: PREFLIGHT_FINDINGS[code].severity, code, message };
  if (files && files.length > 0) f.files = files.slice(0, PREFLIGHT_MAX_FILES);
  return f;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** What comes before the first ':' of a skip reason: 'corrupt or truncated png', 'not a PNG, JPEG or WebP image (judged by its bytes)'. */
function reasonKind(reason: string): string {
  const i = reason.indexOf(':');
  return i < 0 ? reason : reason.slice(0, i);
}

function listNames(names: readonly string[], max = 10): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function countFindings(input: PreflightInput, counts: { train: number[]; test: number[] }, out: PreflightFinding[]): number | null {
  const { classes } = input;
  const files = new Map<string, string[]>();
  for (const im of input.images) {
    const key = `${im.split}:${im.label}`;
    const list = files.get(key);
    if (list) list.push(im.file);
    else files.set(key, [im.file]);
  }
  const byClass = (split: Split, c: number): string[] => files.get(`${split}:${c}`) ?? [];

  const small = classes.map((_, c) => c).filter((c) => counts.train[c]! > 0 && counts.train[c]! < input.minPerClass);
  if (small.length > 0) {
    out.push(
      finding(
        'PREFLIGHT_CLASS_TOO_SMALL',
        `${plural(small.length, 'class', 'classes')} ${small.length === 1 ? 'has' : 'have'} fewer than ${input.minPerClass} training images: ${listNames(small.map((c) => `${classes[c]} (${counts.train[c]})`))}`,
        small.flatMap((c) => byClass('train', c)),
      ),
    );
  }

  if (input.hasTest) {
    const noTest = classes.filter((_, c) => counts.train[c]! > 0 && counts.test[c] === 0);
    const noTrain = classes.filter((_, c) => counts.train[c] === 0 && counts.test[c]! > 0);
    const parts: string[] = [];
    if (noTest.length > 0) parts.push(`in train but not in test: ${listNames(noTest)}`);
    if (noTrain.length > 0) parts.push(`in test but not in train: ${listNames(noTrain)}`);
    if (parts.length > 0) {
      out.push(
        finding(
          'PREFLIGHT_CLASS_MISSING_IN_SPLIT',
          `${plural(noTest.length + noTrain.length, 'class is', 'classes are')} missing from a split; ${parts.join('; ')}`,
          classes.flatMap((name, c) => (noTrain.includes(name) ? byClass('test', c) : [])),
        ),
      );
    }
  }

  const present = classes.map((_, c) => c).filter((c) => counts.train[c]! > 0);
  if (present.length < 2) return null;
  let big = present[0]!;
  let least = present[0]!;
  for (const c of present) {
    if (counts.train[c]! > counts.train[big]!) big = c;
    if (counts.train[c]! < counts.train[least]!) least = c;
  }
  const ratio = Math.round((counts.train[big]! / counts.train[least]!) * 100) / 100;
  if (ratio >= PREFLIGHT_IMBALANCE_RATIO) {
    out.push(
      finding(
        'PREFLIGHT_IMBALANCE',
        `classes are imbalanced ${ratio}:1 in train: '${classes[big]}' has ${counts.train[big]} images, '${classes[least]}' ${counts.train[least]} (warned from ${PREFLIGHT_IMBALANCE_RATIO}:1; consider class weights or more data)`,
      ),
    );
  }
  return ratio;
}

function skippedFinding(input: PreflightInput, out: PreflightFinding[]): PreflightReport['skipped'] {
  const byReason: Record<string, number> = {};
  for (const s of input.skipped) byReason[reasonKind(s.reason)] = (byReason[reasonKind(s.reason)] ?? 0) + 1;
  if (input.skipped.length > 0) {
    const why = Object.entries(byReason)
      .sort((a, b) => b[1] - a[1])
      .map(([r, n]) => `${n} ${r}`)
      .join('; ');
    out.push(finding('PREFLIGHT_SKIPPED_FILES', `${plural(input.skipped.length, 'file was', 'files were')} left out: ${why}`, input.skipped.map((s) => s.file)));
  }
  return { count: input.skipped.length, byReason };
}

function exactDuplicates(input: PreflightInput, out: PreflightFinding[]): Pick<PreflightReport['duplicates'], 'withinSplit' | 'crossSplit'> {
  const groups = new Map<string, PreflightImage[]>();
  for (const im of input.images) {
    const g = groups.get(im.sha1);
    if (g) g.push(im);
    else groups.set(im.sha1, [im]);
  }
  const within: string[][] = [];
  const cross: string[][] = [];
  const conflicting: string[][] = [];
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const train = g.filter((im) => im.split === 'train');
    const test = g.filter((im) => im.split === 'test');
    if (train.length > 0 && test.length > 0) cross.push([...train, ...test].map((im) => im.file));
    if (new Set(g.map((im) => im.label)).size > 1) conflicting.push(g.map((im) => im.file));
    for (const part of [train, test]) {
      // Copies within one split and class; copies in two classes are conflicting labels.
      const byLabel = new Map<number, string[]>();
      for (const im of part) byLabel.set(im.label, [...(byLabel.get(im.label) ?? []), im.file]);
      for (const files of byLabel.values()) if (files.length > 1) within.push(files);
    }
  }
  const filesOf = (gs: string[][]): number => gs.reduce((n, g) => n + g.length, 0);
  if (cross.length > 0) {
    out.push(
      finding(
        'PREFLIGHT_CROSS_SPLIT_DUPLICATES',
        `${plural(cross.length, 'file is', 'files are')} both in train and in test (${filesOf(cross)} copies by content hash); remove them from one split`,
        cross.flat(),
      ),
    );
  }
  if (conflicting.length > 0) {
    out.push(finding('PREFLIGHT_CONFLICTING_LABELS', `${plural(conflicting.length, 'file is', 'files are')} in more than one class (by content hash)`, conflicting.flat()));
  }
  if (within.length > 0) {
    out.push(
      finding('PREFLIGHT_DUPLICATES', `${plural(within.length, 'file has', 'files have')} copies within the same split and class (${filesOf(within)} files by content hash)`, within.flat()),
    );
  }
  return {
    withinSplit: { groups: within.length, files: filesOf(within), listed: within.slice(0, PREFLIGHT_MAX_GROUPS) },
    crossSplit: { groups: cross.length, files: filesOf(cross), listed: cross.slice(0, PREFLIGHT_MAX_GROUPS) },
  };
}

/**
 * The 64-bit hash cut into PREFLIGHT_NEAR_DUPLICATE_MAX_BITS + 1 bands, as
 * [word (0: high 32 bits, 1: low), shift, width]: two hashes within that many
 * bits agree on at least one band (pigeonhole). Bands do not straddle the words.
 */
const BANDS: ReadonlyArray<readonly [number, number, number]> = (() => {
  const n = PREFLIGHT_NEAR_DUPLICATE_MAX_BITS + 1;
  const perWord = [Math.ceil(n / 2), Math.floor(n / 2)];
  const out: Array<[number, number, number]> = [];
  perWord.forEach((k, word) => {
    let shift = 0;
    for (let i = 0; i < k; i++) {
      const width = Math.floor(32 / k) + (i < 32 % k ? 1 : 0);
      out.push([word, shift, width]);
      shift += width;
    }
  });
  // The bucket tables below have 2^width entries: with at least 3 bits allowed, no band is wider than 16.
  if (out.some(([, , width]) => width > 16)) throw new Error('PREFLIGHT_NEAR_DUPLICATE_MAX_BITS must be at least 3');
  return out;
})();

/** The bits of `band` of the hash (hi, lo), below 2^width. */
function bandBits(band: number, hi: number, lo: number): number {
  const [word, shift, width] = BANDS[band]!;
  return ((word === 0 ? hi : lo) >>> shift) & (width === 32 ? 0xffffffff : (1 << width) - 1);
}

/**
 * Cross-split near-duplicates: test images are bucketed by each band's bits
 * (per band, a table of 2^width chains through `next`); each training image
 * is compared with the test images that share a band with it, once each.
 */
function nearDuplicates(input: PreflightInput, out: PreflightFinding[]): PreflightReport['duplicates']['nearCrossSplit'] {
  const maxBits = PREFLIGHT_NEAR_DUPLICATE_MAX_BITS;
  const test = input.images.filter((im) => im.split === 'test' && im.dhash !== undefined);
  const train = input.images.filter((im) => im.split === 'train' && im.dhash !== undefined);
  const words = (ims: readonly PreflightImage[]): Uint32Array => {
    const w = new Uint32Array(2 * ims.length);
    ims.forEach((im, i) => {
      w[2 * i] = parseInt(im.dhash!.slice(0, 8), 16);
      w[2 * i + 1] = parseInt(im.dhash!.slice(8), 16);
    });
    return w;
  };
  const testWords = words(test);
  const trainWords = words(train);
  // heads[b][bits] = 1 + the first test image in that bucket (0: none); next[b * n + t] = 1 + the one after t.
  const n = test.length;
  const heads = BANDS.map(([, , width]) => new Int32Array(2 ** width));
  const next = new Int32Array(BANDS.length * n);
  for (let b = 0; b < BANDS.length; b++) {
    const head = heads[b]!;
    for (let t = n - 1; t >= 0; t--) {
      const bits = bandBits(b, testWords[2 * t]!, testWords[2 * t + 1]!);
      next[b * n + t] = head[bits]!;
      head[bits] = t + 1;
    }
  }
  const pairs: Array<{ train: string; test: string; distance: number }> = [];
  const testHit = new Set<number>();
  let comparisons = 0;
  let complete = true;
  // seenBy[t] = the train image that last compared with t, so each pair is compared once.
  const seenBy = new Int32Array(n).fill(-1);
  search: for (let r = 0; r < train.length; r++) {
    const hi = trainWords[2 * r]!;
    const lo = trainWords[2 * r + 1]!;
    for (let b = 0; b < BANDS.length; b++) {
      for (let at = heads[b]![bandBits(b, hi, lo)]!; at !== 0; at = next[b * n + at - 1]!) {
        const t = at - 1;
        if (seenBy[t] === r) continue;
        seenBy[t] = r;
        if (++comparisons > NEAR_DUPLICATE_MAX_COMPARISONS) {
          complete = false;
          break search;
        }
        const d = popcount32(hi ^ testWords[2 * t]!) + popcount32(lo ^ testWords[2 * t + 1]!);
        if (d > maxBits || test[t]!.sha1 === train[r]!.sha1) continue;
        const [ta, tb] = [train[r]!.thumb, test[t]!.thumb];
        if (ta && tb && thumbDistance(ta, tb) > THUMB_MAX_MEAN_DIFF) continue;
        pairs.push({ train: train[r]!.file, test: test[t]!.file, distance: d });
        testHit.add(t);
      }
    }
  }
  if (pairs.length > 0) {
    out.push(
      finding(
        'PREFLIGHT_CROSS_SPLIT_NEAR_DUPLICATES',
        `${plural(testHit.size, 'test image looks', 'test images look')} like a training image (${plural(pairs.length, 'pair')} within ${maxBits} of 64 dHash bits)${complete ? '' : '; the search stopped early, there may be more'}`,
        pairs.flatMap((p) => [p.train, p.test]),
      ),
    );
  }
  return { pairs: pairs.length, testImages: testHit.size, complete, listed: pairs.slice(0, PREFLIGHT_MAX_GROUPS) };
}

function geometry(images: readonly PreflightImage[]): PreflightReport['geometry'] {
  const widths = images.map((im) => im.width);
  const heights = images.map((im) => im.height);
  const mw = median(widths);
  const mh = median(heights);
  const channels: Record<string, number> = {};
  const modes: Record<string, number> = {};
  const sizes = new Map<string, { width: number; height: number; count: number }>();
  let different = 0;
  for (const im of images) {
    channels[im.channels] = (channels[im.channels] ?? 0) + 1;
    const mode = MODES[im.channels] ?? `${im.channels} channels`;
    modes[mode] = (modes[mode] ?? 0) + 1;
    const key = `${im.width}x${im.height}`;
    const s = sizes.get(key);
    if (s) s.count++;
    else sizes.set(key, { width: im.width, height: im.height, count: 1 });
    if (im.width !== mw || im.height !== mh) different++;
  }
  const sorted = [...sizes.values()].sort((a, b) => b.count - a.count || a.width - b.width || a.height - b.height);
  const listed = sorted.slice(0, PREFLIGHT_MAX_SIZES);
  return {
    width: { min: Math.min(...widths), median: mw, max: Math.max(...widths) },
    height: { min: Math.min(...heights), median: mh, max: Math.max(...heights) },
    differentFromMedian: different,
    channels,
    modes,
    sizes: listed,
    otherSizes: images.length - listed.reduce((n, s) => n + s.count, 0),
  };
}

/** Images the report's `geometry.sizes` says would be resized for an input of `width × height` (a lower bound when `otherSizes` > 0). */
export function resizedFor(report: PreflightReport, width: number, height: number): number {
  return report.geometry.sizes.reduce((n, s) => n + (s.width === width && s.height === height ? 0 : s.count), 0) + report.geometry.otherSizes;
}

const SEVERITY_ORDER = { error: 0, warning: 1 } as const;

export function buildPreflightReport(input: PreflightInput): PreflightReport {
  const k = input.classes.length;
  const counts = { train: new Array<number>(k).fill(0), test: new Array<number>(k).fill(0) };
  for (const im of input.images) counts[im.split][im.label]!++;
  const findings: PreflightFinding[] = [];
  const ratio = countFindings(input, counts, findings);
  const skipped = skippedFinding(input, findings);
  const exact = exactDuplicates(input, findings);
  const nearCrossSplit = input.hasTest ? nearDuplicates(input, findings) : { pairs: 0, testImages: 0, complete: true, listed: [] };
  findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  return {
    version: PREFLIGHT_VERSION,
    findings,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    thresholds: { minPerClass: input.minPerClass, imbalanceRatio: PREFLIGHT_IMBALANCE_RATIO, nearDuplicateMaxBits: PREFLIGHT_NEAR_DUPLICATE_MAX_BITS, nearDuplicateMaxThumbDiff: THUMB_MAX_MEAN_DIFF },
    classes: input.classes.map((name, c) => (input.hasTest ? { name, train: counts.train[c]!, test: counts.test[c]! } : { name, train: counts.train[c]! })),
    imbalanceRatio: ratio,
    skipped,
    duplicates: { ...exact, nearCrossSplit },
    geometry: geometry(input.images),
  };
}
