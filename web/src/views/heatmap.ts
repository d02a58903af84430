/**
 * The confusion matrix as a Canvas 2D heatmap: rows are true classes, columns
 * predicted ones; counts or row-normalized; sorted by class or by error; zoom
 * by cell size with the box scrolling past the viewport (100 classes are fine).
 * Click a cell, or move with the arrow keys and press Enter, to select it.
 */
import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ramp } from '../util.js';

export interface HeatmapProps {
  classes: string[];
  matrix: number[][];
  normalized: boolean;
  sortByError: boolean;
  cell: number;
  onSelect: (trueClass: number, predicted: number) => void;
}

export function Heatmap({ classes, matrix, normalized, sortByError, cell, onSelect }: HeatmapProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const K = classes.length;
  const [focus, setFocus] = useState<[number, number]>([0, 0]);
  const order = useMemo(() => {
    const idx = classes.map((_, i) => i);
    if (!sortByError) return idx;
    const err = matrix.map((row, i) => {
      const n = row.reduce((a, b) => a + b, 0);
      return n ? 1 - row[i]! / n : 0;
    });
    return idx.sort((a, b) => err[b]! - err[a]! || a - b);
  }, [classes, matrix, sortByError]);
  const longest = Math.max(...classes.map((c) => c.length));
  const left = Math.min(160, 12 + longest * 7);
  const top = Math.min(160, 12 + longest * 7);
  const width = left + K * cell + 8;
  const height = top + K * cell + 8;
  useEffect(() => {
    const c = canvas.current!;
    const dpr = window.devicePixelRatio || 1;
    c.width = width * dpr;
    c.height = height * dpr;
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
    const g = c.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = '#fff';
    g.fillRect(0, 0, width, height);
    const rowSum = matrix.map((r) => r.reduce((a, b) => a + b, 0));
    let maxOff = 1;
    let maxAll = 1;
    matrix.forEach((r) => r.forEach((v) => (maxAll = Math.max(maxAll, v))));
    matrix.forEach((r, i) => r.forEach((v, j) => i !== j && (maxOff = Math.max(maxOff, v))));
    const shown: number[][] = [];
    g.font = `${Math.max(8, Math.min(12, cell * 0.42))}px system-ui, sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    for (let r = 0; r < K; r++) {
      const t = order[r]!;
      const out: number[] = [];
      for (let q = 0; q < K; q++) {
        const p = order[q]!;
        const v = matrix[t]![p]!;
        out.push(v);
        const value = normalized ? (rowSum[t] ? v / rowSum[t]! : 0) : v;
        const scale = normalized ? value : v / maxAll;
        const [R, G, B] = ramp(Math.sqrt(scale));
        g.fillStyle = `rgb(${R},${G},${B})`;
        const x = left + q * cell;
        const y = top + r * cell;
        g.fillRect(x, y, cell, cell);
        if (t !== p && v > 0) {
          // Errors get a warm outline so small counts stand out on a light cell.
          g.strokeStyle = `rgba(200,60,0,${0.25 + 0.75 * (v / maxOff)})`;
          g.lineWidth = 1;
          g.strokeRect(x + 0.5, y + 0.5, cell - 1, cell - 1);
        }
        if (cell >= 18 && v > 0) {
          g.fillStyle = scale > 0.45 ? '#fff' : '#111';
          g.fillText(normalized ? value.toFixed(2).replace(/^0/, '') : String(v), x + cell / 2, y + cell / 2);
        }
      }
      shown.push(out);
    }
    g.strokeStyle = '#999';
    g.strokeRect(left + 0.5, top + 0.5, K * cell, K * cell);
    // Labels: true classes down the left, predicted across the top (rotated).
    g.fillStyle = '#222';
    g.font = `${Math.max(9, Math.min(12, cell * 0.5))}px system-ui, sans-serif`;
    g.textAlign = 'right';
    const labelEvery = cell >= 10 ? 1 : Math.ceil(10 / cell);
    for (let r = 0; r < K; r += labelEvery) g.fillText(classes[order[r]!]!, left - 4, top + r * cell + cell / 2);
    g.save();
    g.textAlign = 'left';
    for (let q = 0; q < K; q += labelEvery) {
      g.save();
      g.translate(left + q * cell + cell / 2, top - 4);
      g.rotate(-Math.PI / 2);
      g.fillText(classes[order[q]!]!, 0, 0);
      g.restore();
    }
    g.restore();
    // The keyboard cursor.
    const [fr, fq] = focus;
    g.strokeStyle = '#000';
    g.lineWidth = 2;
    g.strokeRect(left + fq * cell + 1, top + fr * cell + 1, cell - 2, cell - 2);
    c.dataset.cells = JSON.stringify(shown);
    c.dataset.order = JSON.stringify(order);
    c.dataset.cell = String(cell);
    c.dataset.left = String(left);
    c.dataset.top = String(top);
    c.dataset.draws = String(Number(c.dataset.draws ?? 0) + 1);
  }, [classes, matrix, normalized, order, cell, focus, width, height]);

  const at = (e: MouseEvent): [number, number] | null => {
    const rect = canvas.current!.getBoundingClientRect();
    const q = Math.floor((e.clientX - rect.left - left) / cell);
    const r = Math.floor((e.clientY - rect.top - top) / cell);
    return r >= 0 && r < K && q >= 0 && q < K ? [r, q] : null;
  };
  const [hover, setHover] = useState<string>('');
  const describe = (r: number, q: number) => {
    const t = order[r]!;
    const p = order[q]!;
    const n = matrix[t]!.reduce((a, b) => a + b, 0);
    const v = matrix[t]![p]!;
    return `true ${classes[t]}, predicted ${classes[p]}: ${v}${n ? ` (${((100 * v) / n).toFixed(1)}% of the row)` : ''}`;
  };
  const onKey = (e: KeyboardEvent) => {
    let [r, q] = focus;
    if (e.key === 'ArrowRight') q = Math.min(K - 1, q + 1);
    else if (e.key === 'ArrowLeft') q = Math.max(0, q - 1);
    else if (e.key === 'ArrowDown') r = Math.min(K - 1, r + 1);
    else if (e.key === 'ArrowUp') r = Math.max(0, r - 1);
    else if (e.key === 'Home') [r, q] = [0, 0];
    else if (e.key === 'End') [r, q] = [K - 1, K - 1];
    else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(order[r]!, order[q]!);
      return;
    } else return;
    e.preventDefault();
    setFocus([r, q]);
    setHover(describe(r, q));
  };
  return html`<div class="heatmap-box" data-testid="heatmap-box">
    <canvas ref=${canvas} data-testid="heatmap" tabindex="0" role="grid" aria-label=${`confusion matrix of ${K} classes: rows are true classes, columns predicted classes; arrow keys move, Home and End jump, Enter shows the images of a cell`}
      onClick=${(e: MouseEvent) => { const c = at(e); if (c) { setFocus(c); onSelect(order[c[0]]!, order[c[1]]!); } }}
      onMouseMove=${(e: MouseEvent) => { const c = at(e); setHover(c ? describe(c[0], c[1]) : ''); }}
      onKeyDown=${onKey}></canvas>
    <p class="hover" aria-live="polite" data-testid="heatmap-hover">${hover || '\u00a0'}</p>
  </div>`;
}
