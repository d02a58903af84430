/**
 * Label manifests: an archive may name its images and their labels in a
 * `manifest.csv` (`path,label[,split]` with a header row, columns in any
 * order) or a `manifest.jsonl` (one `{"path", "label", "split"?}` per line)
 * at its root, instead of class folders. Paths are relative to the archive
 * root and go through the same safety checks as entry names; only the files
 * the manifest lists are ingested. Every problem is MANIFEST_INVALID with the
 * error path `<manifest>[<line>].<column>` (lines from 1, the header is line 1
 * of a CSV) and the same facts in `details`.
 *
 * (Not to be confused with manifest.ts, the dataset directory's own record.)
 */
import { CnnError } from '../errors.js';
import { entrySegments, SPLITS, type Layout, type Split } from './layout.js';

export const LABEL_MANIFEST_NAMES = ['manifest.csv', 'manifest.jsonl'] as const;
export type LabelManifestName = (typeof LABEL_MANIFEST_NAMES)[number];
/** Largest manifest read, in bytes: about a million lines. */
export const LABEL_MANIFEST_MAX_BYTES = 64 * 1024 * 1024;

type Column = 'path' | 'label' | 'split';

function invalid(manifest: string, line: number, column: Column | null, why: string, extra: Record<string, unknown> = {}): CnnError {
  const at = column ? `${manifest}[${line}].${column}` : `${manifest}[${line}]`;
  return new CnnError('MANIFEST_INVALID', `${manifest} line ${line}${column ? `, column ${column}` : ''}: ${why}`, at, {
    manifest,
    line,
    ...(column ? { column } : {}),
    ...extra,
  });
}

/** A manifest at the archive root, if any; two of them is an error. */
export function findLabelManifest<T extends { segments: readonly string[] }>(entries: readonly T[]): { name: LabelManifestName; entry: T } | null {
  const found = entries.filter((e) => e.segments.length === 1 && (LABEL_MANIFEST_NAMES as readonly string[]).includes(e.segments[0]!));
  if (found.length > 1) {
    throw new CnnError('MANIFEST_INVALID', 'the archive has both manifest.csv and manifest.jsonl; keep one', 'archive', { manifest: found.map((e) => e.segments[0]) });
  }
  return found.length === 1 ? { name: found[0]!.segments[0] as LabelManifestName, entry: found[0]! } : null;
}

interface Row {
  line: number;
  path: string | undefined;
  label: string | undefined;
  split: string | undefined;
}

/** One CSV line into fields: commas, double-quoted fields with `""` for a quote. Null when a quote is left open. */
function csvFields(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return null;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      const comma = line.indexOf(',', i);
      field += (comma < 0 ? line.slice(i) : line.slice(i, comma)).trim();
      i = comma < 0 ? line.length : comma;
    } else {
      const comma = line.indexOf(',', i);
      field = (comma < 0 ? line.slice(i) : line.slice(i, comma)).trim();
      i = comma < 0 ? line.length : comma;
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // past the comma
  }
}

function lines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, ''));
}

function parseCsv(name: string, text: string): Row[] {
  const all = lines(text);
  const header = csvFields(all[0] ?? '');
  if (!header) throw invalid(name, 1, null, 'the header row has an unclosed quote');
  const cols = header.map((h) => h.toLowerCase());
  for (const c of ['path', 'label'] as const) if (!cols.includes(c)) throw invalid(name, 1, c, `the header row has no '${c}' column (expected path,label[,split])`);
  const unknown = cols.find((c) => c !== 'path' && c !== 'label' && c !== 'split');
  if (unknown !== undefined) throw invalid(name, 1, null, `unknown column '${unknown}' in the header (expected path,label[,split])`);
  const at = (c: Column): number => cols.indexOf(c);
  const rows: Row[] = [];
  all.slice(1).forEach((text, i) => {
    const line = i + 2;
    if (text.trim() === '') return;
    const f = csvFields(text);
    if (!f) throw invalid(name, line, null, 'a quote is left open');
    if (f.length !== cols.length) throw invalid(name, line, null, `${f.length} fields, but the header has ${cols.length}`);
    rows.push({ line, path: f[at('path')], label: f[at('label')], split: at('split') >= 0 ? f[at('split')] : undefined });
  });
  return rows;
}

function parseJsonl(name: string, text: string): Row[] {
  const rows: Row[] = [];
  lines(text).forEach((text, i) => {
    const line = i + 1;
    if (text.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw invalid(name, line, null, `not JSON: ${(e as Error).message}`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(name, line, null, 'expected an object {"path", "label", "split"?}');
    const o = v as Record<string, unknown>;
    const str = (c: Column): string | undefined => {
      const x = o[c];
      if (x === undefined || x === null) return undefined;
      if (typeof x === 'string') return x.trim();
      if (c === 'label' && typeof x === 'number' && Number.isInteger(x)) return String(x);
      throw invalid(name, line, c, `expected a string, got ${JSON.stringify(x)}`);
    };
    rows.push({ line, path: str('path'), label: str('label'), split: str('split') });
  });
  return rows;
}

export interface ManifestLayout<T> extends Layout {
  /** The entries the manifest lists, in manifest order; `placements[i]` is `files[i]`'s. */
  files: T[];
}

/**
 * Places the archive's files by the manifest's lines. `entries` are the
 * archive's file entries (names already checked safe), `text` the manifest.
 */
export function layoutFromManifest<T extends { name: string; segments: readonly string[] }>(
  name: LabelManifestName,
  text: string,
  entries: readonly T[],
): ManifestLayout<T> {
  const rows = name === 'manifest.csv' ? parseCsv(name, text) : parseJsonl(name, text);
  const byPath = new Map(entries.map((e) => [e.segments.join('/'), e]));
  const seen = new Map<string, number>();
  const out: ManifestLayout<T> = { files: [], placements: [], classes: [], hasTest: false };
  const classes = new Set<string>();
  for (const r of rows) {
    if (!r.path) throw invalid(name, r.line, 'path', 'the path is empty');
    let segments: string[];
    try {
      segments = entrySegments(r.path);
    } catch (e) {
      if (e instanceof CnnError) throw invalid(name, r.line, 'path', `'${r.path}' is outside the archive (${e.reason.replace(/^archive entry '[^']*' /, '')})`, { entry: r.path });
      throw e;
    }
    const key = segments.join('/');
    const first = seen.get(key);
    if (first !== undefined) throw invalid(name, r.line, 'path', `'${r.path}' is listed twice (first on line ${first})`, { entry: r.path, firstLine: first });
    seen.set(key, r.line);
    const entry = byPath.get(key);
    if (!entry || LABEL_MANIFEST_NAMES.includes(key as LabelManifestName)) throw invalid(name, r.line, 'path', `no file '${r.path}' in the archive`, { entry: r.path });
    if (!r.label) throw invalid(name, r.line, 'label', 'the label is empty');
    let split: Split = 'train';
    if (r.split) {
      const s = r.split.toLowerCase();
      if (!(SPLITS as readonly string[]).includes(s)) throw invalid(name, r.line, 'split', `unknown split '${r.split}' (expected ${SPLITS.join(' or ')}, or empty for train)`);
      split = s as Split;
    }
    if (split === 'test') out.hasTest = true;
    classes.add(r.label);
    out.files.push(entry);
    out.placements.push({ split, className: r.label });
  }
  if (out.files.length === 0) throw new CnnError('DATASET_EMPTY', `${name} lists no image`, 'archive');
  out.classes = [...classes].sort();
  return out;
}
