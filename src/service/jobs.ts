/**
 * Job use cases: submit (validated completely before queuing, idempotent on a
 * client key), read, list, cancel. REST and gRPC both call these.
 */
import { CnnError } from '../errors.js';
import { FINAL_STATES, JOB_STATES, JobRequestSchema, type JobRecord, type JobRequest, type JobState } from '../store/job-schemas.js';
import { newId } from '../store/blobs.js';
import type { Page } from '../store/catalog.js';
import type { ServiceContext } from './context.js';
import { cancelChannel, stopMessage } from '../store/jobs.js';
import { checkJobInputs } from './job-inputs.js';
import { parseOrThrow } from './validate.js';

const IDEMPOTENCY_TTL_S = 24 * 3600;

export interface SubmitResult {
  job: JobRecord;
  /** False when an Idempotency-Key matched an earlier submission. */
  created: boolean;
}

export async function submitJob(ctx: ServiceContext, tenant: string, body: unknown, idempotencyKey?: string): Promise<SubmitResult> {
  if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) {
    throw new CnnError('VALIDATION_FAILED', 'Idempotency-Key must be 1-200 printable ASCII characters', 'Idempotency-Key');
  }
  const request: JobRequest = parseOrThrow(JobRequestSchema, body);
  await checkJobInputs(ctx, tenant, request);

  const id = newId('job');
  if (idempotencyKey !== undefined) {
    // SET NX claims the key for this id; a retry finds the first id and returns that job.
    const idemKey = `${ctx.config.queuePrefix}:idem:${tenant}:${idempotencyKey}`;
    const claimed = await ctx.redis.set(idemKey, id, 'EX', IDEMPOTENCY_TTL_S, 'NX');
    if (claimed === null) {
      const existingId = await ctx.redis.get(idemKey);
      const existing = existingId ? await waitForRecord(ctx, existingId, tenant) : undefined;
      if (existing) return { job: existing, created: false };
    }
  }

  const job: JobRecord = {
    id,
    tenant,
    type: request.type,
    state: 'queued',
    request,
    createdAt: new Date().toISOString(),
    attempts: 0,
    history: [],
  };
  // Queue first, record last: the record is the commit point. If Redis goes away in between, the
  // client gets 503 and the queued entry finds no record, so the worker skips it: no ghost job.
  await ctx.queue.add(request.type, { jobId: id, tenant }, { jobId: id });
  await ctx.jobs.create(job);
  return { job, created: true };
}

/** A concurrent first submission may have claimed the key a moment before writing its record. */
async function waitForRecord(ctx: ServiceContext, id: string, tenant: string): Promise<JobRecord | undefined> {
  for (let i = 0; i < 20; i++) {
    const rec = await ctx.jobs.get(id, tenant);
    if (rec) return rec;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

export async function getJob(ctx: ServiceContext, tenant: string, id: string): Promise<JobRecord> {
  const job = await ctx.jobs.get(id, tenant);
  if (!job) throw new CnnError('NOT_FOUND', `no job ${id}`, 'id');
  return job;
}

export interface ListJobsQuery {
  state?: JobState;
  type?: JobRequest['type'];
  limit?: number;
  cursor?: string;
}

export async function listJobs(ctx: ServiceContext, tenant: string, q: ListJobsQuery): Promise<Page<JobRecord>> {
  if (q.state !== undefined && !JOB_STATES.includes(q.state)) {
    throw new CnnError('VALIDATION_FAILED', `state must be one of ${JOB_STATES.join(', ')}`, 'state');
  }
  return ctx.jobs.list(tenant, {
    limit: q.limit ?? 20,
    cursor: q.cursor,
    filter: (j) => (q.state === undefined || j.state === q.state) && (q.type === undefined || j.type === q.type),
  });
}

/**
 * A queued job is cancelled at once and removed from the queue; a running one
 * is flagged, and its worker stops within one training step.
 */
export async function cancelJob(ctx: ServiceContext, tenant: string, id: string): Promise<JobRecord> {
  const job = await getJob(ctx, tenant, id);
  if (FINAL_STATES.has(job.state)) throw new CnnError('JOB_FINISHED', `job ${id} is already ${job.state}`, 'id');
  const now = new Date().toISOString();
  const queued = await ctx.jobs.transition(id, ['queued'], { state: 'cancelled', finishedAt: now, cancelRequested: true });
  if (queued.applied) {
    // The queue entry may be locked by a worker that just took it; that worker sees the state and stops.
    await ctx.queue.remove(id).catch(() => undefined);
    return queued.job;
  }
  const running = await ctx.jobs.transition(id, ['running'], { cancelRequested: true });
  await ctx.redis.publish(cancelChannel(ctx.config.queuePrefix), id);
  return running.job;
}

/**
 * Asks a train or finetune job to end at the next epoch boundary and keep its
 * model: it completes as usual (final evaluation, artifact) with
 * `stoppedEarly: true`. A queued job stops after its first epoch.
 */
export async function stopJob(ctx: ServiceContext, tenant: string, id: string): Promise<JobRecord> {
  const job = await getJob(ctx, tenant, id);
  if (job.type === 'evaluate') throw new CnnError('JOB_NOT_STOPPABLE', `job ${id} is an evaluate job; it has no epochs to stop after (cancel it instead)`, 'id');
  const flagged = await ctx.jobs.transition(id, ['queued', 'running'], { stopRequested: true });
  if (!flagged.applied) throw new CnnError('JOB_FINISHED', `job ${id} is already ${flagged.job.state}`, 'id');
  await ctx.redis.publish(cancelChannel(ctx.config.queuePrefix), stopMessage(id));
  return flagged.job;
}
