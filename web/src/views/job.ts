import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, eventCount, jobs, livePoints, loadJob, type EpochRecord, type JobRecord } from '../api.js';
import { Chart, uPlot } from '../charts.js';
import { duration, fmt, jobLabel, pct } from '../util.js';

/** The epoch with the lowest validation loss (or the one the job restored). */
export function bestEpoch(j: JobRecord): number | undefined {
  if (j.result?.restoredBestEpoch) return j.result.restoredBestEpoch;
  const h = j.history ?? [];
  let best: EpochRecord | undefined;
  for (const e of h) if (e.valLoss !== undefined && (!best || e.valLoss < best.valLoss!)) best = e;
  return best?.epoch ?? (h.length ? h.reduce((a, b) => (b.loss < a.loss ? b : a)).epoch : undefined);
}

/** A dashed vertical line at x, labelled. */
export function markerPlugin(x: () => number | undefined, text: string): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const v = x();
        if (v === undefined) return;
        const px = u.valToPos(v, 'x', true);
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = '#b8860b';
        ctx.setLineDash([5, 4]);
        ctx.lineWidth = 1.5 * devicePixelRatio;
        ctx.beginPath();
        ctx.moveTo(px, u.bbox.top);
        ctx.lineTo(px, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillStyle = '#7a5b00';
        ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
        ctx.fillText(`${text} ${v}`, px + 4 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
        ctx.restore();
      },
    },
  };
}

function MinMax({ rows }: { rows: { label: string; color: string; values: (number | null | undefined)[]; fmt: (x: number) => string }[] }) {
  return html`<table class="minmax"><thead><tr><th scope="col">series</th><th scope="col">min</th><th scope="col">max</th><th scope="col">last</th></tr></thead><tbody>
    ${rows.map((r) => {
      const v = r.values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
      return html`<tr><th scope="row"><span class="swatch" style=${{ background: r.color }}></span>${r.label}</th>
        <td>${v.length ? r.fmt(Math.min(...v)) : '—'}</td><td>${v.length ? r.fmt(Math.max(...v)) : '—'}</td><td>${v.length ? r.fmt(v.at(-1)!) : '—'}</td></tr>`;
    })}
  </tbody></table>`;
}

/** The request as a readable summary: nested keys as a definition list. */
export function RequestSummary({ request }: { request: any }) {
  const rows: [string, string][] = [];
  const walk = (o: any, prefix: string) => {
    for (const [k, v] of Object.entries(o ?? {})) {
      if (k === 'spec' && v && typeof v === 'object' && Array.isArray((v as any).layers)) {
        const layers = (v as any).layers as any[];
        rows.push([prefix + 'model', `${layers.length} layers: ` + layers.map((l) => l.type + (l.filters ? `(${l.filters})` : l.units ? `(${l.units})` : '')).join(' → ')]);
        if ((v as any).input?.shape) rows.push([prefix + 'input', (v as any).input.shape.join('×')]);
      } else if (v && typeof v === 'object' && !Array.isArray(v)) walk(v, `${prefix}${k}.`);
      else rows.push([prefix + k, Array.isArray(v) ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') : String(v)]);
    }
  };
  walk(request, '');
  return html`<dl class="summary">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

const C = { train: '#1f77b4', val: '#d62728', live: '#7fb3e0', lr: '#2ca02c', ips: '#9467bd' };

export function JobView({ id }: { id: string }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    loadJob(id).catch((e) => setError(e.message));
  }, [id]);
  const j = jobs.value.get(id);
  const n = eventCount.value;
  const hist = j?.history ?? [];
  const live = livePoints.get(id) ?? [];
  const best = j ? bestEpoch(j) : undefined;
  const data = useMemo(() => {
    // One x axis for epoch records and the running epoch's points (fractional epochs).
    const lastEpoch = hist.at(-1)?.epoch ?? 0;
    const pts = live.filter((p) => p.x > lastEpoch);
    const xs = [0, ...hist.map((e) => e.epoch), ...pts.map((p) => p.x)];
    const at = (x: number) => hist.find((e) => e.epoch === x);
    const lp = (x: number) => pts.find((p) => p.x === x);
    const col = (f: (x: number) => number | null | undefined) => xs.map((x) => f(x) ?? null);
    return {
      x: xs,
      loss: col((x) => at(x)?.loss),
      valLoss: col((x) => at(x)?.valLoss),
      liveLoss: col((x) => (x === lastEpoch && lastEpoch > 0 && pts.length ? at(x)?.loss : lp(x)?.loss)),
      lr: col((x) => at(x)?.lr),
      acc: col((x) => at(x)?.accuracy),
      valAcc: col((x) => at(x)?.valAccuracy),
      liveAcc: col((x) => (x === lastEpoch && lastEpoch > 0 && pts.length ? at(x)?.accuracy : lp(x)?.accuracy)),
      ips: col((x) => at(x)?.imagesPerSec ?? lp(x)?.imagesPerSec),
    };
  }, [id, hist.length, live.length, n]);
  if (!j) return html`<section><h1 tabindex="-1">Job ${id}</h1>${error ? html`<p class="error" role="alert">${error}</p>` : html`<p>Loading…</p>`}</section>`;
  const p = j.progress;
  const started = j.startedAt ? Date.parse(j.startedAt) : undefined;
  const elapsed = started ? ((j.finishedAt ? Date.parse(j.finishedAt) : Date.now()) - started) / 1000 : undefined;
  const eta = j.state === 'running' && p && p.fraction > 0.01 && elapsed ? (elapsed * (1 - p.fraction)) / p.fraction : undefined;
  const lastIps = p?.imagesPerSec ?? hist.at(-1)?.imagesPerSec;
  const bestFn = () => best;
  const xAxis = { label: 'epoch', stroke: '#333', grid: { stroke: '#eee' } };
  const lossOpts = {
    title: 'Loss',
    scales: { x: { time: false }, lr: { auto: true } },
    axes: [xAxis, { label: 'loss', stroke: '#333', grid: { stroke: '#eee' } }, { scale: 'lr', side: 1, label: 'learning rate', stroke: C.lr, grid: { show: false }, values: (_u: any, v: number[]) => v.map((x) => x.toExponential(0)) }],
    series: [
      { label: 'epoch' },
      { label: 'train loss', stroke: C.train, width: 2, points: { show: true } },
      { label: 'val loss', stroke: C.val, width: 2, points: { show: true } },
      { label: 'train loss (running epoch)', stroke: C.live, width: 1, dash: [4, 3], spanGaps: true },
      { label: 'lr', scale: 'lr', stroke: C.lr, width: 1, points: { show: true } },
    ],
    plugins: [markerPlugin(bestFn, 'best epoch')],
  };
  const accOpts = {
    title: 'Accuracy',
    scales: { x: { time: false }, y: { range: [0, 1] as [number, number] } },
    axes: [xAxis, { label: 'accuracy', stroke: '#333', grid: { stroke: '#eee' } }],
    series: [
      { label: 'epoch' },
      { label: 'train acc', stroke: C.train, width: 2, points: { show: true } },
      { label: 'val acc', stroke: C.val, width: 2, points: { show: true } },
      { label: 'train acc (running epoch)', stroke: C.live, width: 1, dash: [4, 3], spanGaps: true },
    ],
    plugins: [markerPlugin(bestFn, 'best epoch')],
  };
  const ipsOpts = {
    title: 'Throughput',
    scales: { x: { time: false } },
    axes: [xAxis, { label: 'images/s', stroke: '#333', grid: { stroke: '#eee' } }],
    series: [{ label: 'epoch' }, { label: 'images/s', stroke: C.ips, width: 2, points: { show: true }, spanGaps: true }],
  };
  const f4 = (x: number) => fmt(x, 4);
  return html`<section>
    <h1 tabindex="-1">${jobLabel(j)} <span class=${'badge ' + j.state} data-testid="job-state">${j.state}</span></h1>
    <p class="muted mono">${j.id} · ${j.type}${j.result?.modelId ? html` · model <a href=${'#/models/' + j.result.modelId}>${j.result.modelId}</a>` : ''}</p>
    <div class="stats">
      <div><span>epoch</span><strong>${p?.epoch ?? hist.at(-1)?.epoch ?? '—'}${p?.epochs ? ' / ' + p.epochs : ''}</strong></div>
      <div><span>progress</span><strong>${pct(j.state === 'completed' ? 1 : (p?.fraction ?? 0), 0)}</strong></div>
      <div><span>stage</span><strong>${p?.stage ?? '—'}</strong></div>
      <div><span>images/s</span><strong data-testid="ips">${fmt(lastIps, 0)}</strong></div>
      <div><span>elapsed</span><strong>${duration(elapsed)}</strong></div>
      <div><span>ETA</span><strong data-testid="eta">${j.state === 'running' ? duration(eta) : '—'}</strong></div>
      <div><span>best epoch</span><strong data-testid="best-epoch">${best ?? '—'}</strong></div>
      ${j.result?.metrics ? html`<div><span>test accuracy</span><strong>${pct(j.result.metrics.accuracy)}</strong></div>` : ''}
    </div>
    ${j.state === 'completed' && j.result?.metrics ? html`<p><a class="button" href=${`#/jobs/${j.id}/results`}>Results: confusion matrix, per-class metrics, calibration →</a></p>` : ''}
    ${j.error ? html`<p class="error" role="alert">${j.error.code}: ${j.error.message}</p>` : ''}
    ${j.type !== 'evaluate' ? html`
    <div class="charts">
      <figure><${Chart} testid="loss-chart" label="train and validation loss per epoch, learning rate on the right axis" opts=${lossOpts} data=${[data.x, data.loss, data.valLoss, data.liveLoss, data.lr]} />
        <${MinMax} rows=${[{ label: 'train loss', color: C.train, values: data.loss, fmt: f4 }, { label: 'val loss', color: C.val, values: data.valLoss, fmt: f4 }, { label: 'lr', color: C.lr, values: data.lr, fmt: (x: number) => x.toExponential(2) }]} /></figure>
      <figure><${Chart} testid="acc-chart" label="train and validation accuracy per epoch" opts=${accOpts} data=${[data.x, data.acc, data.valAcc, data.liveAcc]} />
        <${MinMax} rows=${[{ label: 'train acc', color: C.train, values: data.acc, fmt: (x: number) => pct(x, 2) }, { label: 'val acc', color: C.val, values: data.valAcc, fmt: (x: number) => pct(x, 2) }]} /></figure>
      <figure><${Chart} testid="ips-chart" height=${180} label="training throughput in images per second" opts=${ipsOpts} data=${[data.x, data.ips]} />
        <${MinMax} rows=${[{ label: 'images/s', color: C.ips, values: data.ips, fmt: (x: number) => fmt(x, 0) }]} /></figure>
    </div>` : ''}
    <h2>Request</h2>
    <${RequestSummary} request=${j.request} />
  </section>`;
}

export { api };
