/**
 * The worker runtime: a BullMQ Worker (concurrency 1 per device) that moves
 * each job through its states, routes cancel requests and SIGTERM to the job
 * in hand, and sends heartbeats for /readyz.
 *
 * Outcomes of a job run:
 * - completed: the processor returned a result;
 * - failed: it threw (a CnnError keeps its code); never retried, the input
 *   will not get better;
 * - cancelled: a client asked; the engine stops within one step;
 * - handed back: the worker is shutting down; the processor wrote a
 *   checkpoint and the job goes back to wait for the next worker.
 * A worker that dies without any of this (SIGKILL, power) stops renewing its
 * lock; BullMQ's stalled check moves the job back to wait and the next worker
 * resumes it from its last checkpoint.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { CnnError, isCnnError } from '../errors.js';
import { newId } from '../store/blobs.js';
import type { StoreContext } from '../store/context.js';
import { cancelChannel, parseStopMessage } from '../store/jobs.js';
import { isRedisUnavailable } from '../store/redis-connection.js';
import { jobDuration, jobsTotal, trainEpoch, trainImagesPerSecond, trainLoss, workerDevice } from '../metrics/index.js';
import { heartbeat, WORKER_HEARTBEAT_MS } from '../store/workers.js';
import { MAX_STALLED_COUNT, QUEUE_NAME, type QueuedJobData } from './queue.js';
import type { JobProgress, JobRecord } from '../store/job-schemas.js';

/** Why a running job is being asked to stop. */
export type StopReason = 'cancel' | 'shutdown';

/** What a processor gets: the job, a way to report progress, and the stop signal. */
export interface JobRun {
  ctx: StoreContext;
  job: JobRecord;
  /** Set when the job must stop; processors check it between steps. */
  stop: { reason?: StopReason };
  /** Set when the client asked to stop early and keep the model (POST /v1/jobs/:id/stop); the fit loop checks it at epoch boundaries. */
  finishEarly: { requested: boolean };
  /** Called when a stop is requested, to interrupt native work (engine cancel). */
  onStop(cb: (reason: StopReason) => void): void;
  /** Throttled by the caller; writes progress (and optional fields) to the record and the event channel. */
  progress(p: Omit<JobProgress, 'updatedAt'>, extra?: Partial<JobRecord>): Promise<void>;
  /** The worker's device preference (CNN_DEVICE) for jobs that say `auto`. */
  device: 'auto' | 'cpu' | 'cuda';
}

export type Processor = (run: JobRun) => Promise<Record<string, unknown>>;

/** Thrown by a processor after it saved a checkpoint because the worker is shutting down. */
export class HandBack extends Error {
  constructor() {
    super('job handed back to the queue');
  }
}

/** Thrown by a processor that stopped because the client cancelled. */
export class Cancelled extends Error {
  constructor() {
    super('job cancelled');
  }
}

/** How long a dequeued job waits for its record: the API writes it just after queueing. */
const RECORD_WAIT_MS = 5_000;

/** The job's record; undefined when the submission that queued it never wrote one (it failed, and was answered 503). */
async function recordOf(ctx: StoreContext, jobId: string): Promise<JobRecord | undefined> {
  const deadline = Date.now() + RECORD_WAIT_MS;
  for (;;) {
    const rec = await ctx.jobs.get(jobId);
    if (rec || Date.now() > deadline) return rec;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function recordProgress(slot: string, p: Omit<JobProgress, 'updatedAt'>): void {
  if (p.epoch !== undefined) trainEpoch.set({ worker: slot }, p.epoch);
  if (p.loss !== undefined && Number.isFinite(p.loss)) trainLoss.set({ worker: slot }, p.loss);
  if (p.imagesPerSec !== undefined) trainImagesPerSecond.set({ worker: slot }, p.imagesPerSec);
}

function recordFinal(type: JobRecord['type'], state: 'completed' | 'failed' | 'cancelled', startedAt: string | undefined): void {
  jobsTotal.inc({ type, state });
  if (startedAt) jobDuration.observe({ type }, Math.max(0, (Date.now() - Date.parse(startedAt)) / 1000));
}

export interface RunningWorker {
  id: string;
  close(): Promise<void>;
  /** Asks the job in hand to checkpoint and hand back, then closes. */
  shutdown(): Promise<void>;
}

export async function startWorker(
  ctx: StoreContext,
  processors: Record<JobRecord['type'], Processor>,
  opts: { connection: Redis; subscriber: Redis; /** This worker's slot in its process, the `worker` label of its metrics. */ slot?: number },
): Promise<RunningWorker> {
  const id = newId('wrk');
  const slot = String(opts.slot ?? 0);
  const log = ctx.log.child({ component: 'worker', worker: id });
  let current: { jobId: string; stop: JobRun['stop']; finishEarly: JobRun['finishEarly']; stopCallbacks: ((r: StopReason) => void)[] } | undefined;

  const requestStop = (reason: StopReason) => {
    if (!current || current.stop.reason) return;
    current.stop.reason = reason;
    for (const cb of current.stopCallbacks) cb(reason);
  };

  // Cancel requests arrive on one channel; only the worker holding the job acts.
  await opts.subscriber.subscribe(cancelChannel(ctx.config.queuePrefix));
  opts.subscriber.on('message', (_ch, message) => {
    const { jobId, early } = parseStopMessage(message);
    if (early) {
      if (current?.jobId === jobId) {
        log.info({ jobId }, 'stop early requested');
        current.finishEarly.requested = true;
      }
    } else if (current?.jobId === jobId) {
      log.info({ jobId }, 'cancel requested');
      requestStop('cancel');
    }
  });

  const processJob = async (bull: Job<QueuedJobData>, token?: string): Promise<unknown> => {
    const { jobId } = bull.data;
    const rec = await recordOf(ctx, jobId);
    if (!rec || rec.state === 'cancelled' || rec.state === 'completed' || rec.state === 'failed') return { skipped: rec?.state ?? 'missing' };
    const started = await ctx.jobs.transition(
      jobId,
      ['queued', 'running'],
      { state: 'running', startedAt: rec.startedAt ?? new Date().toISOString(), progress: { stage: 'starting', fraction: rec.progress?.fraction ?? 0, updatedAt: new Date().toISOString() } },
      { incrementAttempts: true },
    );
    if (!started.applied) return { skipped: started.job.state };
    const run: JobRun = {
      ctx,
      job: started.job,
      stop: {},
      finishEarly: { requested: started.job.stopRequested === true },
      onStop: (cb) => current?.stopCallbacks.push(cb),
      progress: async (p, extra) => {
        recordProgress(slot, p);
        const { job } = await ctx.jobs.transition(jobId, ['running'], { ...extra, progress: { ...p, updatedAt: new Date().toISOString() } }, { kind: 'progress' });
        // Pub/sub delivers at most once (a message sent while this worker was reconnecting,
        // or just before it took the job, is gone); the record keeps the request.
        honourRequests(job);
      },
      device: ctx.config.device,
    };
    current = { jobId, stop: run.stop, finishEarly: run.finishEarly, stopCallbacks: [] };
    const honourRequests = (job: JobRecord) => {
      if (current?.jobId !== jobId) return;
      if (job.cancelRequested || job.state === 'cancelled') requestStop('cancel');
      if (job.stopRequested) current.finishEarly.requested = true;
    };
    // A request that arrived between dequeue and now is in the record.
    honourRequests(started.job);
    const jlog = log.child({ jobId, type: rec.type, attempt: started.job.attempts });
    jlog.info('job started');
    try {
      const result = await processors[rec.type](run);
      await ctx.jobs.transition(jobId, ['running'], { state: 'completed', result, finishedAt: new Date().toISOString(), progress: { stage: 'done', fraction: 1, updatedAt: new Date().toISOString() } });
      jlog.info('job completed');
      recordFinal(rec.type, 'completed', started.job.startedAt);
      return { state: 'completed' };
    } catch (err) {
      if (err instanceof Cancelled || (run.stop.reason === 'cancel' && isCnnError(err) && err.code === 'ENGINE_CANCELLED')) {
        await ctx.jobs.transition(jobId, ['running'], { state: 'cancelled', finishedAt: new Date().toISOString() });
        jlog.info('job cancelled');
        recordFinal(rec.type, 'cancelled', started.job.startedAt);
        return { state: 'cancelled' };
      }
      if (err instanceof HandBack && token) {
        await ctx.jobs.transition(jobId, ['running'], { state: 'queued', progress: { stage: 'requeued', fraction: run.job.progress?.fraction ?? 0, updatedAt: new Date().toISOString() } });
        await bull.moveToWait(token);
        jlog.info('job handed back to the queue');
        throw new WaitingError();
      }
      const e = isCnnError(err) ? err : new CnnError('INTERNAL', (err as Error)?.message ?? String(err));
      if (!isCnnError(err)) jlog.error({ err }, 'job failed with an unexpected error');
      else jlog.warn({ code: e.code, path: e.path }, e.reason);
      await ctx.jobs.transition(jobId, ['running'], {
        state: 'failed',
        error: { code: e.code, message: e.message, ...(e.path ? { path: e.path } : {}) },
        finishedAt: new Date().toISOString(),
      });
      recordFinal(rec.type, 'failed', started.job.startedAt);
      throw new UnrecoverableError(`${e.code}: ${e.message}`);
    } finally {
      current = undefined;
    }
  };

  const worker = new Worker<QueuedJobData>(QUEUE_NAME, processJob, {
    connection: opts.connection,
    prefix: ctx.config.queuePrefix,
    concurrency: 1,
    lockDuration: ctx.config.lockDurationMs,
    stalledInterval: ctx.config.lockDurationMs,
    maxStalledCount: MAX_STALLED_COUNT,
    autorun: true,
  });
  // Connection errors are logged once per outage by the connections' own listeners.
  worker.on('error', (err) => (isRedisUnavailable(err) ? log.debug({ err: err.message }, 'worker connection error') : log.error({ err }, 'worker error')));

  const info = { id, device: ctx.config.device, pid: process.pid, host: hostname() };
  const beat = async () => heartbeat(ctx, info).catch((err: unknown) => log.warn({ err }, 'heartbeat failed'));
  await beat();
  const timer = setInterval(beat, WORKER_HEARTBEAT_MS);
  workerDevice.inc({ device: ctx.config.device });
  let counted = true;
  const uncount = () => {
    if (counted) workerDevice.dec({ device: ctx.config.device });
    counted = false;
  };
  timer.unref();
  log.info({ device: ctx.config.device, lockDurationMs: ctx.config.lockDurationMs }, 'worker ready');

  return {
    id,
    async close() {
      clearInterval(timer);
      uncount();
      await worker.close();
      opts.subscriber.disconnect();
      opts.connection.disconnect();
    },
    async shutdown() {
      clearInterval(timer);
      uncount();
      requestStop('shutdown');
      await worker.close();
      opts.subscriber.disconnect();
      opts.connection.disconnect();
    },
  };
}
