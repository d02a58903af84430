/**
 * One event stream per browser tab: every change of a tenant's jobs (or of a
 * chosen few) on one connection, instead of one stream per job. Browsers allow
 * six HTTP/1.1 connections per origin; a dashboard watching ten runs must not
 * need ten. One pattern subscription per process fans out to the open streams
 * by tenant.
 */
import type { Redis } from 'ioredis';
import { CnnError } from '../errors.js';
import type { JobEvent } from '../store/jobs.js';
import { watchConnection } from '../store/redis-connection.js';
import type { ServiceContext } from './context.js';
import { eventPayload } from './job-events.js';
import { getJob } from './jobs.js';

/** Jobs one stream may name in `?jobs=`. */
export const MAX_STREAM_JOBS = 100;

type Listener = (e: JobEvent) => void;

class TenantEventHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private subscriber: Redis | undefined;
  private started: Promise<void> | undefined;

  constructor(private readonly ctx: ServiceContext) {}

  private start(): Promise<void> {
    this.started ??= (async () => {
      const sub = (this.subscriber ??= watchConnection(this.ctx.redis.duplicate(), this.ctx.log, 'tenant-events'));
      if (sub.listenerCount('pmessage') === 0) sub.on('pmessage', (_p, _channel, message) => {
        let e: JobEvent;
        try {
          e = JSON.parse(message) as JobEvent;
        } catch {
          return;
        }
        const set = this.listeners.get(e.job?.tenant);
        if (set) for (const l of set) l(e);
      });
      // API connections queue nothing offline: a fresh duplicate must be ready before it subscribes.
      if (sub.status !== 'ready') {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('the event subscriber did not connect')), 10_000);
          sub.once('ready', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      await sub.psubscribe(this.ctx.jobs.eventPattern());
    })();
    this.started.catch(() => (this.started = undefined));
    return this.started;
  }

  async listen(tenant: string, l: Listener): Promise<() => void> {
    await this.start();
    let set = this.listeners.get(tenant);
    if (!set) this.listeners.set(tenant, (set = new Set()));
    set.add(l);
    return () => {
      set.delete(l);
      if (set.size === 0) this.listeners.delete(tenant);
    };
  }

  close(): void {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    this.started = undefined;
  }
}

const hubs = new WeakMap<ServiceContext, TenantEventHub>();

function hubOf(ctx: ServiceContext): TenantEventHub {
  let h = hubs.get(ctx);
  if (!h) hubs.set(ctx, (h = new TenantEventHub(ctx)));
  return h;
}

/** `?jobs=a,b`: the ids, checked (at most MAX_STREAM_JOBS, each the tenant's), or undefined for all the tenant's jobs. */
export function parseStreamJobs(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const ids = [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))];
  if (ids.length > MAX_STREAM_JOBS) throw new CnnError('VALIDATION_FAILED', `at most ${MAX_STREAM_JOBS} job ids`, 'jobs');
  return ids;
}

export interface StreamEvent {
  kind: JobEvent['kind'];
  data: ReturnType<typeof eventPayload>;
}

/**
 * Calls `onEvent` for every change of the tenant's jobs (or of `jobIds`) until `signal`
 * aborts. Named jobs first get their current record as a `state` event; an unknown id is
 * NOT_FOUND before anything is sent.
 */
export async function streamTenantEvents(
  ctx: ServiceContext,
  tenant: string,
  jobIds: string[] | undefined,
  onEvent: (e: StreamEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const only = jobIds ? new Set(jobIds) : undefined;
  const buffered: JobEvent[] = [];
  let live = false;
  const unlisten = await hubOf(ctx).listen(tenant, (e) => {
    if (only && !only.has(e.job.id)) return;
    if (!live) buffered.push(e);
    else onEvent({ kind: e.kind, data: eventPayload(e) });
  });
  try {
    // Subscribed first, then read: a change between the two is buffered, not lost.
    const current = jobIds ? await Promise.all(jobIds.map((id) => getJob(ctx, tenant, id))) : [];
    for (const job of current) onEvent({ kind: 'state', data: job });
    live = true;
    for (const e of buffered) onEvent({ kind: e.kind, data: eventPayload(e) });
    if (!signal.aborted) await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
  } finally {
    unlisten();
  }
}

export function closeTenantEvents(ctx: ServiceContext): void {
  hubs.get(ctx)?.close();
  hubs.delete(ctx);
}
