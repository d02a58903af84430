import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, download } from '../api.js';
import { SERIES_COLORS, ago, int, pct } from '../util.js';
import { DropZone } from './dropzone.js';
import { TopBars } from './results.js';

export function ModelsView() {
  const [items, setItems] = useState<any[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api('/v1/models?limit=100').then((r) => setItems(r.items), (e) => setError(e.message));
  }, []);
  return html`<section><h1 tabindex="-1">Models</h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${items === null ? html`<p>Loading…</p>` : items.length === 0 ? html`<p class="muted">No models yet: a completed train job makes one.</p>` : html`
    <div class="table-wrap"><table data-testid="models-table"><thead><tr><th scope="col">model</th><th scope="col">source</th><th scope="col">classes</th><th scope="col">parameters</th><th scope="col">accuracy</th><th scope="col">created</th></tr></thead>
    <tbody>${items.map((m) => html`<tr><td><a href=${'#/models/' + m.id}>${m.name ?? m.id}</a></td><td>${m.source}${m.jobId ? html` (<a href=${'#/jobs/' + m.jobId}>job</a>)` : ''}</td><td>${m.classes.length}</td><td>${int(m.params?.total)}</td><td>${pct(m.metrics?.accuracy, 2)}</td><td>${ago(m.createdAt)}</td></tr>`)}</tbody></table></div>`}
  </section>`;
}

interface Prediction {
  image: string;
  url: string;
  top: { className: string; classIndex: number; probability: number }[];
}

export function ModelView({ id }: { id: string }) {
  const [rec, setRec] = useState<any>(null);
  const [summary, setSummary] = useState<any>(null);
  const [error, setError] = useState<string | null>(null);
  const [preds, setPreds] = useState<Prediction[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  useEffect(() => {
    setRec(null);
    setSummary(null);
    api(`/v1/models/${id}`)
      .then((r) => {
        setRec(r);
        return api('/v1/architectures/summary', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r.spec) });
      })
      .then(setSummary, (e) => setError(e.message));
  }, [id]);
  const predict = async (files: File[]) => {
    setError(null);
    setBusy('predicting…');
    try {
      const form = new FormData();
      for (const f of files) form.append('image', f, f.name);
      form.set('topK', String(Math.min(5, rec?.classes.length ?? 5)));
      const r = await api<{ predictions: { image: string; top: Prediction['top'] }[] }>(`/v1/models/${id}/predict`, { method: 'POST', body: form });
      for (const p of preds) URL.revokeObjectURL(p.url);
      setPreds(r.predictions.map((p, i) => ({ ...p, url: URL.createObjectURL(files[i]!) })));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const dl = async (path: string, name: string) => {
    setError(null);
    setBusy(`preparing ${name}…`);
    try {
      await download(path, name);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  if (!rec) return html`<section><h1 tabindex="-1">Model ${id}</h1>${error ? html`<p class="error" role="alert">${error}</p>` : html`<p>Loading…</p>`}</section>`;
  const total = summary?.layers?.reduce((a: number, l: any) => a + l.params, 0) ?? 0;
  const heavy = (summary?.layers ?? []).filter((l: any) => l.params > 0);
  return html`<section>
    <h1 tabindex="-1">${rec.name ?? rec.id}</h1>
    <p class="muted mono">${rec.id} · ${rec.source}${rec.jobId ? html` · <a href=${'#/jobs/' + rec.jobId}>job ${rec.jobId}</a>` : ''} · input ${rec.preprocessing.inputShape.join('×')} (${rec.preprocessing.resize})</p>
    <p><a class="button" href=${`#/models/${id}/inside`}>Inside the CNN: filters and feature maps →</a></p>
    <div class="toolbar">
      <button onClick=${() => dl(`/v1/models/${id}/artifact`, `${id}.tar`)}>Download artifact (.tar)</button>
      <button onClick=${() => dl(`/v1/models/${id}/onnx`, `${id}.onnx`)}>Download ONNX</button>
      ${busy && html`<span role="status">${busy}</span>`}
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <h2>Predict</h2>
    <${DropZone} label="Images to classify" accept="image/png,image/jpeg,image/webp" multiple=${true} onFiles=${predict} testid="predict-input" />
    <ul class="predictions" data-testid="predictions">${preds.map(
      (p) => html`<li data-top1=${p.top[0]?.className}><img src=${p.url} alt=${p.image} width="84" height="84" /><div><strong>${p.image}</strong><${TopBars} top=${p.top} /></div></li>`,
    )}</ul>
    <h2>Summary</h2>
    ${summary ? html`
      <div class="parambar" role="img" aria-label=${'where the parameters sit: ' + heavy.map((l: any) => `${l.name} ${pct(l.params / total)}`).join(', ')} data-testid="parambar">
        ${heavy.map((l: any, i: number) => html`<span title=${`${l.name}: ${int(l.params)}`} style=${{ width: `${(100 * l.params) / total}%`, background: SERIES_COLORS[i % 10] }}></span>`)}
      </div>
      <ul class="legend">${heavy.map((l: any, i: number) => html`<li><span class="swatch" style=${{ background: SERIES_COLORS[i % 10] }}></span>${l.name} ${pct(l.params / total)}</li>`)}</ul>
      <div class="table-wrap"><table class="summary-table" data-testid="summary-table"><thead><tr><th scope="col">Layer (type)</th><th scope="col">Output shape</th><th scope="col">Param #</th><th scope="col">MACs</th></tr></thead>
      <tbody>${summary.layers.map((l: any) => html`<tr><td>${l.name} <small class="muted">(${l.type})</small></td><td class="mono">(None, ${l.outputShape.join(', ')})</td><td class="num">${int(l.params)}</td><td class="num">${int(l.macs)}</td></tr>`)}</tbody>
      <tfoot><tr><th scope="row">Total</th><td></td><td class="num">${int(total)}</td><td class="num">${int(summary.layers.reduce((a: number, l: any) => a + (l.macs ?? 0), 0))}</td></tr></tfoot></table></div>` : html`<p>Loading summary…</p>`}
    <h2>Classes</h2>
    <p>${rec.classes.join(', ')}</p>
  </section>`;
}
