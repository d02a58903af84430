/**
 * Keras-style text rendering of a Summary: `Layer (type) | Output Shape |
 * Param #`, plus `Connected to` when the model is not a plain chain, then the
 * totals.
 */
import { formatCount } from './infer.js';
import type { Summary, SummaryRow } from './summary.js';

const COLUMN_GAP = '  ';
const FLOAT32_BYTES = 4;

export function formatSummary(summary: Summary): string {
  const sequential = summary.layers.every((row, i) => row.inputs.length === 1 && row.inputs[0] === previousName(summary, i));
  const header = ['Layer (type)', 'Output Shape', 'Param #', ...(sequential ? [] : ['Connected to'])];
  const rows: string[][] = [];
  if (!sequential) rows.push(['input (input)', showShape(summary.inputShape), '0', '-']);
  for (const row of summary.layers) rows.push(cells(row, sequential));

  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cols: string[]): string => ` ${cols.map((s, c) => s.padEnd(widths[c]!)).join(COLUMN_GAP)}`.trimEnd();
  const ruleWidth = widths.reduce((a, w) => a + w, 0) + COLUMN_GAP.length * (widths.length - 1) + 2;

  const t = summary.totals;
  const out: string[] = [];
  if (summary.name !== undefined) out.push(`Model: "${summary.name}"`);
  out.push('_'.repeat(ruleWidth), line(header), '='.repeat(ruleWidth));
  out.push(...rows.map(line));
  out.push('='.repeat(ruleWidth));
  out.push(`Total params: ${formatCount(t.totalParams)} (${formatBytes(t.totalParams * FLOAT32_BYTES)})`);
  out.push(`Trainable params: ${formatCount(t.trainableParams)}`);
  out.push(`Non-trainable params: ${formatCount(t.frozenParams)} (frozen layers)`);
  out.push(
    `BN running statistics: ${formatCount(t.bnRunningStats)} ` +
      `(buffers; Keras reports ${formatCount(t.kerasNonTrainable)} non-trainable params)`,
  );
  out.push(`MACs per image: ${formatCount(t.macs)} (${formatMetric(t.macs)})`);
  out.push('_'.repeat(ruleWidth));
  return `${out.join('\n')}\n`;
}

function cells(row: SummaryRow, sequential: boolean): string[] {
  const base = [`${row.name} (${row.type})`, showShape(row.outputShape), formatCount(row.params)];
  return sequential ? base : [...base, row.inputs.join(', ')];
}

function previousName(summary: Summary, i: number): string {
  return i === 0 ? 'input' : summary.layers[i - 1]!.name;
}

/** `(None, 28, 28, 32)` */
export function showShape(shape: readonly number[]): string {
  return `(None, ${shape.join(', ')})`;
}

/** Keras' memory size: 1.61 MB (powers of 1024). */
function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let u = 0;
  while (value >= 1024 && u < units.length - 1) {
    value /= 1024;
    u += 1;
  }
  return `${value.toFixed(2)} ${units[u]}`;
}

/** 4241152 → 4.24M */
function formatMetric(n: number): string {
  const steps: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [scale, suffix] of steps) if (n >= scale) return `${(n / scale).toFixed(2)}${suffix}`;
  return String(n);
}
