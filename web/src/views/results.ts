import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, jobs, loadJob } from '../api.js';
import { Chart, uPlot } from '../charts.js';
import { jobLabel, pct } from '../util.js';
import { Heatmap } from './heatmap.js';

interface Sample {
  index: number;
  trueClass: number;
  predicted: number;
  image: string;
  top: { classIndex: number; className: string; probability: number }[];
}

export function TopBars({ top, testid }: { top: { className: string; probability: number }[]; testid?: string }) {
  return html`<ol class="topk" data-testid=${testid}>${top.map(
    (t) => html`<li><span class="name">${t.className}</span><span class="bar"><span style=${{ width: `${(t.probability * 100).toFixed(1)}%` }}></span></span><span class="p">${pct(t.probability)}</span></li>`,
  )}</ol>`;
}

function CellSamples({ jobId, t, p, classes }: { jobId: string; t: number; p: number; classes: string[] }) {
  const [items, setItems] = useState<Sample[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [cursor, setCursor] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const load = async (from?: string) => {
    try {
      const r = await api<{ items: Sample[]; total: number; nextCursor?: string }>(`/v1/jobs/${jobId}/samples?true=${t}&predicted=${p}&limit=48${from ? `&cursor=${from}` : ''}`);
      setItems((old) => (from ? [...old, ...r.items] : r.items));
      setTotal(r.total);
      setCursor(r.nextCursor);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    setItems([]);
    setTotal(null);
    void load();
  }, [jobId, t, p]);
  return html`<section class="cell-samples" data-testid="cell-samples" data-true=${t} data-predicted=${p} data-total=${total ?? ''} aria-live="polite">
    <h2>${t === p ? 'Correct' : 'Misclassified'}: true <em>${classes[t]}</em>, predicted <em>${classes[p]}</em> ${total !== null ? html`<small>(${total} images)</small>` : ''}</h2>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <ul class="samples">${items.map(
      (s) => html`<li data-index=${s.index}><img src=${s.image} alt=${`test image ${s.index}, true ${classes[s.trueClass]}, predicted ${classes[s.predicted]}`} width="84" height="84" /><${TopBars} top=${s.top} /></li>`,
    )}</ul>
    ${cursor ? html`<button onClick=${() => load(cursor)}>Load more</button>` : ''}
    ${total === 0 ? html`<p class="muted">No images in this cell.</p>` : ''}
  </section>`;
}

function PerClass({ perClass }: { perClass: { className: string; precision: number; recall: number; f1: number; support: number }[] }) {
  const [key, setKey] = useState<'class' | 'precision' | 'recall' | 'f1' | 'support'>('class');
  const [desc, setDesc] = useState(false);
  const rows = perClass.map((c, i) => ({ ...c, i }));
  if (key !== 'class') rows.sort((a, b) => (a[key] - b[key]) * (desc ? -1 : 1));
  else if (desc) rows.reverse();
  const head = (k: typeof key, label: string) => html`<th scope="col" aria-sort=${key === k ? (desc ? 'descending' : 'ascending') : 'none'}>
    <button class="link" onClick=${() => { if (key === k) setDesc(!desc); else { setKey(k); setDesc(k !== 'class'); } }}>${label}${key === k ? (desc ? ' ▼' : ' ▲') : ''}</button></th>`;
  const bar = (v: number, cls: string) => html`<span class="hbar ${cls}"><span style=${{ width: `${(v * 100).toFixed(1)}%` }}></span></span> ${pct(v)}`;
  return html`<div class="table-wrap"><table class="perclass" data-testid="perclass"><caption>Per-class precision, recall and F1 (click a heading to sort)</caption>
    <thead><tr>${head('class', 'class')}${head('precision', 'precision')}${head('recall', 'recall')}${head('f1', 'F1')}${head('support', 'support')}</tr></thead>
    <tbody>${rows.map((r) => html`<tr><th scope="row">${r.className}</th><td>${bar(r.precision, 'p')}</td><td>${bar(r.recall, 'r')}</td><td>${bar(r.f1, 'f')}</td><td>${r.support}</td></tr>`)}</tbody></table></div>`;
}

function Calibration({ jobId }: { jobId: string }) {
  const [cal, setCal] = useState<{ bins: { from: number; to: number; count: number; confidence: number; accuracy: number }[]; ece: number; count: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api(`/v1/jobs/${jobId}/calibration`).then(setCal, (e) => setError(e.message));
  }, [jobId]);
  if (error) return html`<p class="muted">Calibration: ${error}</p>`;
  if (!cal) return html`<p>Loading calibration…</p>`;
  const mids = cal.bins.map((b) => (b.from + b.to) / 2);
  const opts = {
    title: 'Reliability diagram',
    scales: { x: { time: false, range: [0, 1] as [number, number] }, y: { range: [0, 1] as [number, number] } },
    axes: [{ label: 'confidence (top-1 probability)' }, { label: 'accuracy' }],
    series: [
      { label: 'confidence' },
      { label: 'accuracy in bin', stroke: '#1f77b4', fill: 'rgba(31,119,180,0.35)', paths: uPlot.paths.bars!({ size: [0.9, 60] }), points: { show: false } },
      { label: 'perfect calibration', stroke: '#888', dash: [4, 4], points: { show: false } },
    ],
  };
  return html`<figure class="calibration"><${Chart} testid="reliability" label="reliability diagram: accuracy per confidence bin against the diagonal" height=${240} opts=${opts}
      data=${[mids, cal.bins.map((b) => (b.count ? b.accuracy : null)), mids]} />
    <figcaption>ECE <strong data-testid="ece">${(cal.ece * 100).toFixed(2)}%</strong> over ${cal.count} images (10 bins)</figcaption></figure>`;
}

export function ResultsView({ id }: { id: string }) {
  const [error, setError] = useState<string | null>(null);
  const [normalized, setNormalized] = useState(false);
  const [sortByError, setSortByError] = useState(false);
  const [cell, setCell] = useState(0);
  const [picked, setPicked] = useState<[number, number] | null>(null);
  useEffect(() => {
    loadJob(id).catch((e) => setError(e.message));
  }, [id]);
  const j = jobs.value.get(id);
  const m = j?.result?.metrics;
  if (!j || !m) return html`<section><h1 tabindex="-1">Results of ${id}</h1>${error ? html`<p class="error" role="alert">${error}</p>` : j ? html`<p>No results yet (${j.state}).</p>` : html`<p>Loading…</p>`}</section>`;
  const { classes, matrix } = m.confusionMatrix as { classes: string[]; matrix: number[][] };
  const size = cell || (classes.length <= 12 ? 40 : classes.length <= 30 ? 24 : 14);
  return html`<section>
    <h1 tabindex="-1">Results of <a href=${'#/jobs/' + id}>${jobLabel(j)}</a></h1>
    <div class="stats">
      <div><span>accuracy</span><strong data-testid="accuracy">${pct(m.accuracy, 2)}</strong></div>
      ${m.top5 !== undefined ? html`<div><span>top-5 accuracy</span><strong data-testid="top5">${pct(m.top5, 2)}</strong></div>` : ''}
      <div><span>loss</span><strong>${m.loss?.toFixed(4)}</strong></div>
      <div><span>images</span><strong>${m.count}</strong></div>
      <div><span>evaluated on</span><strong>${j.result.evaluatedOn ?? j.result.split ?? '—'}</strong></div>
    </div>
    <h2>Confusion matrix</h2>
    <div class="toolbar" role="group" aria-label="confusion matrix options">
      <label><input type="checkbox" checked=${normalized} onChange=${(e: any) => setNormalized(e.target.checked)} data-testid="normalize" /> row-normalized</label>
      <label>Sort <select value=${sortByError ? 'error' : 'class'} onChange=${(e: any) => setSortByError(e.target.value === 'error')} data-testid="sort">
        <option value="class">by class</option><option value="error">by error</option></select></label>
      <label>Zoom <input type="range" min="6" max="56" value=${size} onInput=${(e: any) => setCell(Number(e.target.value))} data-testid="zoom" aria-label="cell size in pixels" /></label>
    </div>
    <${Heatmap} classes=${classes} matrix=${matrix} normalized=${normalized} sortByError=${sortByError} cell=${size} onSelect=${(t: number, p: number) => setPicked([t, p])} />
    ${picked ? html`<${CellSamples} jobId=${id} t=${picked[0]} p=${picked[1]} classes=${classes} />` : html`<p class="muted">Click a cell (or focus the matrix, move with the arrow keys and press Enter) to see its images with their top-5.</p>`}
    <h2>Per class</h2>
    <${PerClass} perClass=${m.perClass} />
    <h2>Calibration</h2>
    <${Calibration} jobId=${id} />
  </section>`;
}
