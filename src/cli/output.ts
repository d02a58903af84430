/**
 * Human output of the CLI: aligned tables, number formats, and one live
 * status line (a progress bar) that is drawn only when stderr is a terminal.
 * Results go to stdout, messages and bars to stderr (clig.dev).
 */

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal: draw bars and ask questions there. */
  isTTY: boolean;
}

export type Align = 'left' | 'right';

/**
 * Rows under a header, each column as wide as its widest cell, two spaces
 * apart; numbers are usually right-aligned (`align` per column, default left).
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (align[i] === 'right' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fixed = (n: number | undefined, digits = 4): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));
export const pct = (n: number | undefined): string => (n === undefined ? '—' : `${(n * 100).toFixed(2)}%`);

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** `m:ss` or `h:mm:ss`. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const BAR_WIDTH = 24;

/** `[#########---------------]` for a fraction in 0..1. */
export function bar(fraction: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * BAR_WIDTH);
  return `[${'#'.repeat(full)}${'-'.repeat(BAR_WIDTH - full)}]`;
}

/**
 * One line at the bottom of a terminal that is redrawn in place; `log` prints
 * a permanent line above it. Without a terminal, `update` draws nothing.
 */
export class StatusLine {
  private shown = false;

  constructor(private readonly io: CliIo) {}

  update(text: string): void {
    if (!this.io.isTTY) return;
    const width = Math.max(20, (process.stderr.columns || 100) - 1);
    this.io.stderr(`\r\x1b[2K${text.length > width ? text.slice(0, width) : text}`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.io.stderr('\r\x1b[2K');
    this.shown = false;
  }

  log(text: string): void {
    this.clear();
    this.io.stderr(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/** Bold on a terminal only. */
export function bold(io: CliIo, text: string): string {
  return io.isTTY ? `\x1b[1m${text}\x1b[0m` : text;
}
