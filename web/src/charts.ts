/** uPlot, wrapped as a Preact component: created once, fed new data with setData, resized with its box. */
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartProps {
  opts: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height?: number;
  label: string;
  /** Bumped by the caller when data changed; counted in data-draws. */
  version?: number;
  testid?: string;
}

export function Chart({ opts, data, height = 260, label, testid }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const draws = useRef(0);
  const optsKey = JSON.stringify(opts.series.map((s) => s.label)) + String(opts.scales ? Object.keys(opts.scales) : '');
  useEffect(() => {
    const el = box.current!;
    const width = Math.max(280, el.clientWidth);
    // Every redraw (data, zoom, resize) counted in data-uplot-draws.
    const hooks = { ...opts.hooks, draw: [...(opts.hooks?.draw ?? []), () => void (el.dataset.uplotDraws = String(Number(el.dataset.uplotDraws ?? 0) + 1))] };
    const p = new uPlot({ ...opts, hooks, width, height } as uPlot.Options, data, el);
    plot.current = p;
    const ro = new ResizeObserver(() => {
      const w = Math.max(280, el.clientWidth);
      if (Math.abs(w - p.width) > 2) p.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      p.destroy();
      plot.current = null;
    };
  }, [optsKey, height]);
  useEffect(() => {
    const p = plot.current;
    if (!p) return;
    p.setData(data);
    draws.current++;
    const el = box.current!;
    el.dataset.draws = String(draws.current);
    el.dataset.points = String(data[0]?.length ?? 0);
    el.dataset.series = String(data.length - 1);
    // Points each series has (its non-null values).
    el.dataset.defined = JSON.stringify(data.slice(1).map((col) => Array.from(col as ArrayLike<number | null | undefined>).filter((v) => v !== null && v !== undefined).length));
  }, [data]);
  return html`<div class="chart" role="img" aria-label=${label} data-testid=${testid} ref=${box}></div>`;
}

export { uPlot };
