/**
 * Human views of records: a dataset's counts and its pre-flight findings, a
 * job's metrics (the totals, per-class precision / recall / F1, the confusion
 * matrix with class names), as aligned tables.
 */
import type { EvalMetrics } from '../store/job-schemas.js';
import { fixed, int, pct, table } from './output.js';

export interface PreflightFinding {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  files?: string[];
}

export interface DatasetView {
  id: string;
  name?: string;
  format?: string;
  classes: string[];
  counts: { train: number[]; test?: number[] };
  total?: number;
  skippedCount?: number;
  imageStats?: { minWidth: number; maxWidth: number; minHeight: number; maxHeight: number; meanWidth?: number; meanHeight?: number; channels: Record<string, number | undefined> };
  raw?: { height: number; width: number; channels: number };
  preflight?: { findings?: PreflightFinding[] };
  createdAt?: string;
}

/** Files listed under a finding; the rest are counted. */
const FILES_SHOWN = 5;

export function datasetReport(ds: DatasetView): string {
  const hasTest = ds.counts.test !== undefined;
  const rows = ds.classes.map((c, i) => [c, int(ds.counts.train[i] ?? 0), ...(hasTest ? [int(ds.counts.test![i] ?? 0)] : [])]);
  const sum = (a: number[] | undefined) => (a ?? []).reduce((s, n) => s + n, 0);
  rows.push(['total', int(sum(ds.counts.train)), ...(hasTest ? [int(sum(ds.counts.test))] : [])]);
  let out = `dataset ${ds.id}${ds.name && ds.name !== ds.id ? ` (${ds.name})` : ''}: ${ds.classes.length} classes, ${int(ds.total ?? sum(ds.counts.train) + sum(ds.counts.test))} images`;
  const st = ds.imageStats;
  if (st) {
    const size = (lo: number, hi: number) => (lo === hi ? `${lo}` : `${lo}-${hi}`);
    const channels = Object.entries(st.channels)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([c, n]) => `${int(n!)}×${c}ch`)
      .join(', ');
    out += `, ${size(st.minWidth, st.maxWidth)}×${size(st.minHeight, st.maxHeight)} px (${channels})`;
  }
  if (ds.skippedCount) out += `, ${int(ds.skippedCount)} files skipped`;
  out += '\n' + table(['class', 'train', ...(hasTest ? ['test'] : [])], rows, ['left', 'right', 'right']);
  return out;
}

/** The pre-flight findings, errors first; empty when the record has none. */
export function preflightReport(ds: DatasetView): string {
  const findings = ds.preflight?.findings;
  if (!findings || findings.length === 0) return ds.preflight ? 'pre-flight: no findings\n' : '';
  const sorted = [...findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  const lines = ['pre-flight:'];
  for (const f of sorted) {
    lines.push(`  ${f.severity} ${f.code}: ${f.message}`);
    const files = f.files ?? [];
    for (const file of files.slice(0, FILES_SHOWN)) lines.push(`      ${file}`);
    if (files.length > FILES_SHOWN) lines.push(`      … and ${int(files.length - FILES_SHOWN)} more`);
  }
  return lines.join('\n') + '\n';
}

export function preflightErrors(ds: DatasetView): PreflightFinding[] {
  return (ds.preflight?.findings ?? []).filter((f) => f.severity === 'error');
}

export function metricsReport(m: EvalMetrics, extra: [string, string][] = []): string {
  const rows: [string, string][] = [
    ['loss', fixed(m.loss)],
    ['accuracy', pct(m.accuracy)],
    ...(m.top5 !== undefined ? ([['top-5 accuracy', pct(m.top5)]] as [string, string][]) : []),
    ['images', int(m.count)],
    ...extra,
  ];
  const perClass = m.perClass.map((c) => [c.className, fixed(c.precision), fixed(c.recall), fixed(c.f1), int(c.support)]);
  const cm = m.confusionMatrix;
  const cmRows = cm.matrix.map((row, i) => [cm.classes[i] ?? String(i), ...row.map((n) => int(n))]);
  return [
    table(['metric', 'value'], rows, ['left', 'right']),
    table(['class', 'precision', 'recall', 'f1', 'support'], perClass, ['left', 'right', 'right', 'right', 'right']),
    'confusion matrix (rows: true class, columns: predicted)\n' +
      table(['', ...cm.classes], cmRows, ['left', ...cm.classes.map(() => 'right' as const)]),
  ].join('\n');
}
