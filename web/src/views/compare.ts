import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { jobs, loadJob, type JobRecord } from '../api.js';
import { Chart } from '../charts.js';
import { SERIES_COLORS, fmt, jobLabel, navigate, pct } from '../util.js';

const METRICS = [
  ['valAccuracy', 'validation accuracy'],
  ['valLoss', 'validation loss'],
  ['accuracy', 'train accuracy'],
  ['loss', 'train loss'],
  ['lr', 'learning rate'],
] as const;
type Metric = (typeof METRICS)[number][0];

function flatten(o: any, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(o ?? {})) {
    if (k === 'spec' && v && typeof v === 'object') out[prefix + 'model'] = `${((v as any).layers ?? []).length} layers`;
    else if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, `${prefix}${k}.`, out);
    else out[prefix + k] = Array.isArray(v) ? JSON.stringify(v) : String(v);
  }
  return out;
}

/** Runs of any lengths on one epoch axis: x = 1..longest, a shorter run has nulls after its end. */
export function alignByEpoch(runs: JobRecord[], metric: Metric): (number | null)[][] {
  const longest = Math.max(0, ...runs.map((r) => r.history?.at(-1)?.epoch ?? 0));
  const xs = Array.from({ length: longest }, (_, i) => i + 1);
  const cols = runs.map((r) => {
    const col: (number | null)[] = new Array(longest).fill(null);
    for (const e of r.history ?? []) if (e.epoch >= 1 && e.epoch <= longest) col[e.epoch - 1] = (e as any)[metric] ?? null;
    return col;
  });
  return [xs, ...cols];
}

export function CompareView({ ids }: { ids: string[] }) {
  const [metric, setMetric] = useState<Metric>('valAccuracy');
  const [error, setError] = useState<string | null>(null);
  const chosen = ids.slice(0, 10);
  useEffect(() => {
    Promise.all(chosen.map((id) => loadJob(id))).catch((e) => setError(e.message));
  }, [chosen.join(',')]);
  const runs = chosen.map((id) => jobs.value.get(id)).filter((j): j is JobRecord => !!j);
  const data = useMemo(() => alignByEpoch(runs, metric), [runs.map((r) => `${r.id}:${r.history?.length ?? 0}`).join(','), metric]);
  const toggle = (id: string) => {
    const next = chosen.includes(id) ? chosen.filter((x) => x !== id) : chosen.length >= 10 ? chosen : [...chosen, id];
    navigate(`#/compare?ids=${next.join(',')}`);
  };
  const all = [...jobs.value.values()].filter((j) => j.type !== 'evaluate').sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const flat = runs.map((r) => flatten(r.request));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].filter((k) => k !== 'type').sort();
  const differs = new Set(keys.filter((k) => new Set(flat.map((f) => f[k] ?? '—')).size > 1));
  const opts = {
    title: METRICS.find((m) => m[0] === metric)![1],
    scales: { x: { time: false } },
    axes: [{ label: 'epoch' }, { label: metric }],
    series: [{ label: 'epoch' }, ...runs.map((r, i) => ({ label: jobLabel(r), stroke: SERIES_COLORS[i % 10], width: 2, spanGaps: false, points: { show: (r.history?.length ?? 0) < 60 } }))],
  };
  const best = (r: JobRecord) => {
    const h = r.history ?? [];
    let b: any;
    for (const e of h) if (e.valAccuracy !== undefined && (!b || e.valAccuracy > b.valAccuracy)) b = e;
    return b;
  };
  return html`<section>
    <h1 tabindex="-1">Compare runs</h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <details open=${chosen.length === 0}><summary>Choose up to 10 runs (${chosen.length} chosen)</summary>
      <ul class="picker">${all.map((j) => html`<li><label><input type="checkbox" checked=${chosen.includes(j.id)} disabled=${!chosen.includes(j.id) && chosen.length >= 10} onChange=${() => toggle(j.id)} /> ${jobLabel(j)} <small class="muted">${j.state}, ${j.history?.length ?? 0} epochs</small></label></li>`)}</ul>
    </details>
    ${runs.length ? html`
    <div class="toolbar"><label>Metric <select value=${metric} onChange=${(e: any) => setMetric(e.target.value)} data-testid="compare-metric">${METRICS.map(([k, l]) => html`<option value=${k}>${l}</option>`)}</select></label></div>
    <${Chart} testid="compare-chart" label=${'runs overlaid by epoch: ' + metric} opts=${opts} data=${data} height=${320} />
    <div class="table-wrap"><table class="compare" data-testid="compare-table"><caption>Final and best metrics; hyperparameters that differ between runs are highlighted</caption>
      <thead><tr><th scope="col">run</th>${runs.map((r, i) => html`<th scope="col"><span class="swatch" style=${{ background: SERIES_COLORS[i % 10] }}></span><a href=${'#/jobs/' + r.id}>${jobLabel(r)}</a></th>`)}</tr></thead>
      <tbody>
        <tr><th scope="row">state</th>${runs.map((r) => html`<td>${r.state}</td>`)}</tr>
        <tr><th scope="row">epochs run</th>${runs.map((r) => html`<td>${r.history?.length ?? 0}</td>`)}</tr>
        <tr><th scope="row">final val accuracy</th>${runs.map((r) => html`<td>${pct(r.history?.at(-1)?.valAccuracy, 2)}</td>`)}</tr>
        <tr><th scope="row">best val accuracy (epoch)</th>${runs.map((r) => { const b = best(r); return html`<td>${b ? `${pct(b.valAccuracy, 2)} (${b.epoch})` : '—'}</td>`; })}</tr>
        <tr><th scope="row">final val loss</th>${runs.map((r) => html`<td>${fmt(r.history?.at(-1)?.valLoss, 4)}</td>`)}</tr>
        <tr><th scope="row">test accuracy</th>${runs.map((r) => html`<td>${pct(r.result?.metrics?.accuracy, 2)}</td>`)}</tr>
        ${keys.map((k) => html`<tr class=${differs.has(k) ? 'differs' : ''}><th scope="row">${k}${differs.has(k) ? html` <span class="sr-only">(differs)</span>` : ''}</th>${flat.map((f) => html`<td>${f[k] ?? '—'}</td>`)}</tr>`)}
      </tbody></table></div>` : html`<p class="muted">Pick runs above, or tick them in the jobs list.</p>`}
  </section>`;
}
