import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, jobs, type JobRecord } from '../api.js';
import { ago, jobLabel, pct, navigate } from '../util.js';

const STATES = ['queued', 'running', 'completed', 'failed', 'cancelled'];
const TYPES = ['train', 'finetune', 'evaluate'];
const ACTIVE = new Set(['queued', 'running']);

export function bestMetric(j: JobRecord): { label: string; value: number } | undefined {
  const m = j.result?.metrics;
  if (m?.accuracy !== undefined) return { label: 'test acc', value: m.accuracy };
  const h = j.history ?? [];
  const vals = h.map((e) => e.valAccuracy ?? e.accuracy).filter((x) => Number.isFinite(x));
  return vals.length ? { label: 'best val acc', value: Math.max(...vals) } : undefined;
}

export function JobsView() {
  const [state, setState] = useState('');
  const [type, setType] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const list = [...jobs.value.values()]
    .filter((j) => (!state || j.state === state) && (!type || j.type === type))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const act = async (id: string, what: 'cancel' | 'stop') => {
    setError(null);
    try {
      await api(`/v1/jobs/${id}/${what}`, { method: 'POST' });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : p.length >= 10 ? p : [...p, id]));
  return html`<section>
    <h1 tabindex="-1">Jobs</h1>
    <div class="toolbar">
      <label>State <select value=${state} onChange=${(e: any) => setState(e.target.value)}>
        <option value="">all</option>${STATES.map((s) => html`<option value=${s}>${s}</option>`)}
      </select></label>
      <label>Type <select value=${type} onChange=${(e: any) => setType(e.target.value)}>
        <option value="">all</option>${TYPES.map((s) => html`<option value=${s}>${s}</option>`)}
      </select></label>
      <button disabled=${picked.length < 1} onClick=${() => navigate(`#/compare?ids=${picked.join(',')}`)}>Compare ${picked.length || ''} selected</button>
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="table-wrap">
    <table class="jobs" data-testid="jobs-table">
      <caption class="sr-only">Jobs of this tenant, newest first</caption>
      <thead><tr><th scope="col"><span class="sr-only">Select</span></th><th scope="col">Job</th><th scope="col">State</th><th scope="col">Type</th><th scope="col">Model</th><th scope="col">Dataset</th><th scope="col">Progress</th><th scope="col">Best</th><th scope="col">Age</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>
      ${list.map((j) => {
        const best = bestMetric(j);
        const frac = j.state === 'completed' ? 1 : (j.progress?.fraction ?? 0);
        return html`<tr key=${j.id} data-job=${j.id} data-state=${j.state}>
          <td><input type="checkbox" aria-label=${'select ' + j.id} checked=${picked.includes(j.id)} onChange=${() => toggle(j.id)} /></td>
          <td><a href=${'#/jobs/' + j.id}>${jobLabel(j)}</a>${j.request?.name ? html` <small class="muted">${j.id}</small>` : ''}</td>
          <td><span class=${'badge ' + j.state}>${j.state}</span></td>
          <td>${j.type}</td>
          <td>${modelOf(j)}</td>
          <td class="mono">${j.request?.datasetId ?? '—'}</td>
          <td><progress max="1" value=${frac} aria-label=${'progress of ' + j.id}></progress> <small>${Math.round(frac * 100)}%${j.progress?.epoch ? ` · epoch ${j.progress.epoch}/${j.progress.epochs ?? '?'}` : ''}</small></td>
          <td>${best ? html`${pct(best.value)} <small class="muted">${best.label}</small>` : '—'}</td>
          <td title=${j.createdAt}>${ago(j.createdAt)}</td>
          <td class="actions">${ACTIVE.has(j.state) ? html`
            ${j.type !== 'evaluate' && j.state === 'running' ? html`<button onClick=${() => act(j.id, 'stop')} title="end at the next epoch, keep the model">Stop</button>` : ''}
            <button class="danger" onClick=${() => act(j.id, 'cancel')}>Cancel</button>` : j.state === 'completed' && j.result?.metrics ? html`<a href=${`#/jobs/${j.id}/results`}>Results</a>` : ''}</td>
        </tr>`;
      })}
      </tbody>
    </table>
    </div>
    ${list.length === 0 ? html`<p class="muted">No jobs${state || type ? ' match these filters' : ' yet'}.</p>` : ''}
  </section>`;
}

function modelOf(j: JobRecord): string {
  const m = j.request?.model;
  if (j.type === 'evaluate') return j.request?.modelId ?? '—';
  if (m?.zoo) return String(m.zoo.name ?? m.zoo);
  if (m?.spec) return m.spec.name ?? `${(m.spec.layers ?? []).length} layers`;
  if (j.request?.baseModelId) return `from ${j.request.baseModelId}`;
  return '—';
}
