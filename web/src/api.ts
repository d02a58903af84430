/**
 * Talking to the API: the key (sessionStorage only, sent as a bearer header,
 * never in a URL), JSON calls, and the one event stream per tab — SSE read
 * through fetch so it can carry the header — feeding the jobs store.
 */
import { signal } from '@preact/signals';

const KEY = 'cnn.apiKey';

export const apiKey = signal<string | null>(sessionStorage.getItem(KEY));

export function setKey(k: string | null): void {
  if (k) sessionStorage.setItem(KEY, k);
  else sessionStorage.removeItem(KEY);
  apiKey.value = k;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

function headers(extra?: HeadersInit): Headers {
  const h = new Headers(extra);
  if (apiKey.value) h.set('authorization', `Bearer ${apiKey.value}`);
  return h;
}

export async function api<T = any>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, { ...init, headers: headers(init.headers) });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    if (res.status === 401) setKey(null);
    throw new ApiError(res.status, body?.error?.code ?? 'HTTP_' + res.status, body?.error?.message ?? res.statusText);
  }
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? res.json() : res.blob()) as Promise<T>;
}

/** A download with the bearer header: fetched as a blob, saved through an object URL. */
export async function download(path: string, fallbackName: string): Promise<void> {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new ApiError(res.status, body?.error?.code ?? 'HTTP_' + res.status, body?.error?.message ?? res.statusText);
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Upload with progress (fetch has no upload progress): XMLHttpRequest with the same header. */
export function upload<T = any>(path: string, form: FormData, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    if (apiKey.value) xhr.setRequestHeader('authorization', `Bearer ${apiKey.value}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: any = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, body?.error?.code ?? 'HTTP_' + xhr.status, body?.error?.message ?? xhr.statusText));
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'the upload failed'));
    xhr.send(form);
  });
}

// ---------------------------------------------------------------------------
// Jobs store, kept live by the tab's one event stream.

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  lr: number;
  seconds: number;
  imagesPerSec: number;
  stage?: string;
}

export interface JobRecord {
  id: string;
  type: 'train' | 'finetune' | 'evaluate';
  state: string;
  request: any;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  progress?: { stage: string; epoch?: number; epochs?: number; step?: number; steps?: number; loss?: number; accuracy?: number; imagesPerSec?: number; fraction: number; updatedAt: string };
  history?: EpochRecord[];
  result?: any;
  error?: { code: string; message: string };
}

/** A point of the running epoch (fractional epoch), from progress events. */
export interface LivePoint {
  x: number;
  loss: number;
  accuracy: number;
  imagesPerSec: number;
}

export const jobs = signal<Map<string, JobRecord>>(new Map());
export const livePoints = new Map<string, LivePoint[]>();
/** Bumped on every event applied, so views can redraw. */
export const eventCount = signal(0);
export const streamState = signal<'off' | 'connecting' | 'live' | 'retrying'>('off');

function put(j: JobRecord): void {
  const next = new Map(jobs.value);
  next.set(j.id, j);
  jobs.value = next;
}

export async function loadJobs(): Promise<void> {
  const all: JobRecord[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 5; page++) {
    const r = await api<{ items: JobRecord[]; nextCursor?: string }>(`/v1/jobs?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    all.push(...r.items);
    if (!r.nextCursor) break;
    cursor = r.nextCursor;
  }
  const next = new Map(jobs.value);
  for (const j of all) next.set(j.id, j);
  jobs.value = next;
}

/** A job's whole record (with request and history), into the store. */
export async function loadJob(id: string): Promise<JobRecord> {
  const j = await api<JobRecord>(`/v1/jobs/${encodeURIComponent(id)}`);
  put(j);
  return j;
}

function apply(kind: string, data: any): void {
  if (!data?.id) return;
  if (kind === 'state') {
    put(data as JobRecord);
  } else if (kind === 'progress') {
    const old = jobs.value.get(data.id);
    const j: JobRecord = { ...(old ?? ({ id: data.id, type: data.type, createdAt: new Date().toISOString(), request: {} } as JobRecord)), state: data.state, progress: data.progress };
    if (data.lastEpoch) {
      const h = (j.history ?? []).filter((e) => e.epoch !== data.lastEpoch.epoch);
      j.history = [...h, data.lastEpoch].sort((a, b) => a.epoch - b.epoch);
    }
    const p = data.progress;
    if (p && p.stage?.startsWith('training') && p.epoch && p.steps && p.loss !== undefined) {
      const pts = livePoints.get(data.id) ?? [];
      pts.push({ x: p.epoch - 1 + (p.step ?? 0) / p.steps, loss: p.loss, accuracy: p.accuracy ?? NaN, imagesPerSec: p.imagesPerSec ?? NaN });
      livePoints.set(data.id, pts);
    }
    put(j);
  }
  eventCount.value++;
}

let streamAbort: AbortController | null = null;

/** Opens the tab's event stream (all the tenant's jobs); reconnects with backoff until stopped. */
export function startStream(): void {
  if (streamAbort) return;
  const abort = (streamAbort = new AbortController());
  void (async () => {
    let delay = 1000;
    while (!abort.signal.aborted && apiKey.value) {
      streamState.value = 'connecting';
      try {
        const res = await fetch('/v1/events', { headers: headers({ accept: 'text/event-stream' }), signal: abort.signal });
        if (res.status === 401) {
          setKey(null);
          break;
        }
        if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
        streamState.value = 'live';
        delay = 1000;
        // Changes missed while disconnected: read the list again.
        void loadJobs().catch(() => undefined);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let at: number;
          while ((at = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, at);
            buf = buf.slice(at + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (data.length) {
              try {
                apply(event, JSON.parse(data.join('\n')));
              } catch {
                /* a malformed event is skipped */
              }
            }
          }
        }
      } catch {
        if (abort.signal.aborted) break;
      }
      if (abort.signal.aborted) break;
      streamState.value = 'retrying';
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(30_000, delay * 2);
    }
    streamState.value = 'off';
  })();
}

export function stopStream(): void {
  streamAbort?.abort();
  streamAbort = null;
}
