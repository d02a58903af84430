/**
 * Job events for watchers (SSE, gRPC WatchJob): one pattern subscription per
 * process fans out to listeners by job id. A watcher first gets the current
 * record, then every published change, and is told when the job is final.
 */
import type { Redis } from 'ioredis';
import { FINAL_STATES, type EpochRecord, type JobRecord } from '../store/job-schemas.js';
import type { JobEvent } from '../store/jobs.js';
import type { ServiceContext } from './context.js';
import { getJob } from './jobs.js';

type Listener = (e: JobEvent) => void;

/** What a progress event tells a watcher: the state and the progress, without the request and its spec. */
export interface JobProgressView {
  id: string;
  type: JobRecord['type'];
  state: JobRecord['state'];
  progress?: JobRecord['progress'];
  /** The epoch that just ended, on `epoch done` progress. */
  lastEpoch?: EpochRecord;
}

/**
 * The payload of one event for a stream: state changes (the first event, each
 * transition, the final state) carry the whole record; progress carries the
 * state and the progress only, since it comes every few seconds.
 */
export function eventPayload(e: JobEvent): JobRecord | JobProgressView {
  if (e.kind !== 'progress') return e.job;
  const j = e.job;
  const last = j.progress?.stage === 'epoch done' ? j.history?.at(-1) : undefined;
  return { id: j.id, type: j.type, state: j.state, ...(j.progress ? { progress: j.progress } : {}), ...(last ? { lastEpoch: last } : {}) };
}

export class JobEventHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private started: Promise<void> | undefined;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly subscriber: Redis,
  ) {}

  private start(): Promise<void> {
    this.started ??= (async () => {
      if (this.subscriber.listenerCount('pmessage') === 0) this.subscriber.on('pmessage', (_p, channel, message) => {
        const id = channel.slice(channel.lastIndexOf(':') + 1);
        const set = this.listeners.get(id);
        if (!set) return;
        let e: JobEvent;
        try {
          e = JSON.parse(message) as JobEvent;
        } catch {
          return;
        }
        for (const l of set) l(e);
      });
      await this.subscriber.psubscribe(this.ctx.jobs.eventPattern());
    })();
    // A subscribe refused while Redis is away is tried again by the next watcher.
    this.started.catch(() => (this.started = undefined));
    return this.started;
  }

  /**
   * Calls `onEvent` with the current record, then with each change, until the
   * job is final or `signal` aborts. Resolves with the last record seen.
   */
  async watch(tenant: string, jobId: string, onEvent: (e: JobEvent) => void, signal: AbortSignal): Promise<JobRecord> {
    await this.start();
    let last: JobRecord | undefined;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((r) => (done = r));
    const buffered: JobEvent[] = [];
    let live = false;
    const listener: Listener = (e) => {
      if (!live) {
        buffered.push(e);
        return;
      }
      deliver(e);
    };
    const deliver = (e: JobEvent) => {
      last = e.job;
      onEvent(e);
      if (FINAL_STATES.has(e.job.state)) done();
    };
    let set = this.listeners.get(jobId);
    if (!set) this.listeners.set(jobId, (set = new Set()));
    set.add(listener);
    const onAbort = () => done();
    signal.addEventListener('abort', onAbort);
    try {
      // Subscribe first, then read: a change between the two is buffered, not lost.
      const current = await getJob(this.ctx, tenant, jobId);
      deliver({ kind: 'state', job: current });
      live = true;
      for (const e of buffered) if (!FINAL_STATES.has(last!.state)) deliver(e);
      if (!FINAL_STATES.has(last!.state)) await finished;
      return last!;
    } finally {
      signal.removeEventListener('abort', onAbort);
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(jobId);
    }
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }
}
