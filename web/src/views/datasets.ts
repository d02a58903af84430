import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, upload } from '../api.js';
import { ago, int, navigate } from '../util.js';
import { DropZone } from './dropzone.js';

export function DatasetsView() {
  const [items, setItems] = useState<any[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [name, setName] = useState('');
  const load = () => api('/v1/datasets?limit=100').then((r) => setItems(r.items), (e) => setError(e.message));
  useEffect(() => void load(), []);
  const send = async (files: File[]) => {
    const f = files[0]!;
    setError(null);
    setProgress(0);
    const form = new FormData();
    if (name.trim()) form.set('name', name.trim());
    form.set('archive', f, f.name);
    try {
      const ds = await upload<any>('/v1/datasets', form, setProgress);
      setProgress(null);
      navigate(`#/datasets/${ds.id}`);
    } catch (e) {
      setProgress(null);
      setError((e as Error).message);
    }
  };
  return html`<section><h1 tabindex="-1">Datasets</h1>
    <h2>Upload</h2>
    <p class="muted">An archive (zip, tar or tar.gz) of class folders, <code>&lt;class&gt;/&lt;image&gt;</code>, optionally under <code>train/</code> and <code>test/</code>.</p>
    <label>Name (optional) <input value=${name} onInput=${(e: any) => setName(e.target.value)} maxlength="100" /></label>
    <${DropZone} label="Dataset archive" accept=".zip,.tar,.tgz,.gz,application/zip,application/x-tar,application/gzip" onFiles=${send} testid="dataset-input" />
    ${progress !== null ? html`<p role="status"><progress max="1" value=${progress} aria-label="upload progress" data-testid="upload-progress"></progress> ${progress < 1 ? `${Math.round(progress * 100)}% sent` : 'ingesting…'}</p>` : ''}
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <h2>Stored</h2>
    ${items === null ? html`<p>Loading…</p>` : items.length === 0 ? html`<p class="muted">No datasets yet.</p>` : html`
    <div class="table-wrap"><table data-testid="datasets-table"><thead><tr><th scope="col">dataset</th><th scope="col">format</th><th scope="col">classes</th><th scope="col">train</th><th scope="col">test</th><th scope="col">created</th></tr></thead>
    <tbody>${items.map((d) => html`<tr><td><a href=${'#/datasets/' + d.id}>${d.name ?? d.id}</a></td><td>${d.format}</td><td>${d.classes.length}</td><td>${int(sum(d.counts.train))}</td><td>${int(sum(d.counts.test ?? []))}</td><td>${ago(d.createdAt)}</td></tr>`)}</tbody></table></div>`}
  </section>`;
}

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

/** A class's thumbnails, fetched when its row scrolls into view. */
function ClassSamples({ dsId, cls, name, split }: { dsId: string; cls: number; name: string; split: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [items, setItems] = useState<any[] | null>(null);
  useEffect(() => {
    setItems(null);
    const io = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      io.disconnect();
      api(`/v1/datasets/${dsId}/samples?class=${cls}&split=${split}&limit=8`).then((r) => setItems(r.items), () => setItems([]));
    }, { rootMargin: '200px' });
    io.observe(ref.current!);
    return () => io.disconnect();
  }, [dsId, cls, split]);
  return html`<div class="class-samples" ref=${ref} data-class=${cls} data-loaded=${items ? items.length : ''}>
    <h3>${name}</h3>
    <ul class="thumbs">${(items ?? []).map((s) => html`<li><img src=${s.image} alt=${`${name} image ${s.index}`} width="56" height="56" /></li>`)}</ul>
    ${items === null ? html`<span class="muted">…</span>` : ''}
  </div>`;
}

export function DatasetView({ id }: { id: string }) {
  const [ds, setDs] = useState<any>(null);
  const [error, setError] = useState<string | null>(null);
  const [split, setSplit] = useState('train');
  useEffect(() => {
    api(`/v1/datasets/${id}`).then(setDs, (e) => setError(e.message));
  }, [id]);
  if (!ds) return html`<section><h1 tabindex="-1">Dataset ${id}</h1>${error ? html`<p class="error" role="alert">${error}</p>` : html`<p>Loading…</p>`}</section>`;
  const train: number[] = ds.counts.train;
  const test: number[] = ds.counts.test ?? [];
  const max = Math.max(1, ...train, ...test);
  const findings: any[] = ds.preflight?.findings ?? [];
  return html`<section>
    <h1 tabindex="-1">${ds.name ?? ds.id}</h1>
    <p class="muted mono">${ds.id} · ${ds.format} · ${ds.classes.length} classes · ${int(sum(train))} train${test.length ? ` · ${int(sum(test))} test` : ''}</p>
    <h2>Images per class</h2>
    <div class="table-wrap"><table class="counts" data-testid="class-counts"><thead><tr><th scope="col">class</th><th scope="col">train</th>${test.length ? html`<th scope="col">test</th>` : ''}</tr></thead>
    <tbody>${ds.classes.map((c: string, i: number) => html`<tr><th scope="row">${c}</th>
      <td><span class="hbar p"><span style=${{ width: `${(100 * (train[i] ?? 0)) / max}%` }}></span></span> ${int(train[i])}</td>
      ${test.length ? html`<td><span class="hbar r"><span style=${{ width: `${(100 * (test[i] ?? 0)) / max}%` }}></span></span> ${int(test[i])}</td>` : ''}</tr>`)}</tbody></table></div>
    <h2>Pre-flight findings</h2>
    ${ds.preflight ? (findings.length ? html`<ul class="findings" data-testid="findings">${findings.map((f) => html`<li class=${f.severity}><strong>${f.severity}</strong> <code>${f.code}</code> ${f.message}${f.files?.length ? html`<details><summary>${f.files.length} file(s)</summary><ul>${f.files.map((x: string) => html`<li class="mono">${x}</li>`)}</ul></details>` : ''}</li>`)}</ul>` : html`<p data-testid="findings">No findings: the checks passed.</p>`) : html`<p class="muted">No pre-flight report for this dataset.</p>`}
    <h2>Samples</h2>
    ${test.length ? html`<label>Split <select value=${split} onChange=${(e: any) => setSplit(e.target.value)}><option value="train">train</option><option value="test">test</option></select></label>` : ''}
    <div class="class-grid">${ds.classes.map((c: string, i: number) => html`<${ClassSamples} key=${`${i}-${split}`} dsId=${id} cls=${i} name=${c} split=${split} />`)}</div>
  </section>`;
}
