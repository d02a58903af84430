import { html } from 'htm/preact';
import { render } from 'preact';
import { signal, effect } from '@preact/signals';
import { useState } from 'preact/hooks';
import { api, apiKey, loadJobs, setKey, startStream, stopStream, streamState } from './api.js';
import { JobsView } from './views/jobs.js';
import { JobView } from './views/job.js';
import { ResultsView } from './views/results.js';
import { CompareView } from './views/compare.js';
import { ModelsView, ModelView } from './views/model.js';
import { InsideView } from './views/inside.js';
import { DatasetsView, DatasetView } from './views/datasets.js';
import './style.css';

const route = signal(location.hash || '#/jobs');
window.addEventListener('hashchange', () => {
  route.value = location.hash || '#/jobs';
  // Move focus to the new view's heading, for keyboard and screen-reader users.
  requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
});

function parseRoute(r: string): { view: string; id?: string; sub?: string; query: URLSearchParams } {
  const [path = '', q = ''] = r.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { view: parts[0] ?? 'jobs', id: parts[1], sub: parts[2], query: new URLSearchParams(q) };
}

function Login() {
  const [key, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setKey(key.trim());
    try {
      await api('/v1/jobs?limit=1');
    } catch (err) {
      setKey(null);
      setError((err as Error).message);
    }
  };
  return html`<main class="login" id="main">
    <h1 tabindex="-1">cnn-trainer</h1>
    <form onSubmit=${submit}>
      <label for="key">API key</label>
      <input id="key" type="password" autocomplete="off" value=${key} onInput=${(e: any) => setValue(e.target.value)} required />
      <button type="submit">Sign in</button>
      <p class="hint">Kept in this tab only (sessionStorage) and sent as a bearer header.</p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </form>
  </main>`;
}

const NAV = [
  ['jobs', 'Jobs'],
  ['compare', 'Compare'],
  ['models', 'Models'],
  ['datasets', 'Datasets'],
] as const;

function App() {
  if (!apiKey.value) return html`<${Login} />`;
  const r = parseRoute(route.value);
  let view;
  switch (r.view) {
    case 'jobs':
      view = r.id ? (r.sub === 'results' ? html`<${ResultsView} id=${r.id} />` : html`<${JobView} id=${r.id} />`) : html`<${JobsView} />`;
      break;
    case 'compare':
      view = html`<${CompareView} ids=${(r.query.get('ids') ?? '').split(',').filter(Boolean)} />`;
      break;
    case 'models':
      view = r.id ? (r.sub === 'inside' ? html`<${InsideView} id=${r.id} />` : html`<${ModelView} id=${r.id} />`) : html`<${ModelsView} />`;
      break;
    case 'datasets':
      view = r.id ? html`<${DatasetView} id=${r.id} />` : html`<${DatasetsView} />`;
      break;
    default:
      view = html`<h1 tabindex="-1">Not found</h1>`;
  }
  return html`
    <a class="skip" href="#main" onClick=${(e: Event) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
    <header>
      <span class="brand">cnn-trainer</span>
      <nav aria-label="Main">
        ${NAV.map(([v, label]) => html`<a href=${'#/' + v} aria-current=${r.view === v ? 'page' : undefined}>${label}</a>`)}
      </nav>
      <span class=${'stream ' + streamState.value} title="event stream" aria-live="polite">${streamState.value === 'live' ? '● live' : streamState.value}</span>
      <button class="link" onClick=${() => { stopStream(); setKey(null); }}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">${view}</main>`;
}

effect(() => {
  if (apiKey.value) {
    startStream();
    void loadJobs().catch(() => undefined);
  } else stopStream();
});

render(html`<${App} />`, document.getElementById('app')!);
