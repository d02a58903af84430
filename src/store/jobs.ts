/**
 * The one place where a job record changes state. Each transition is one Lua
 * script: it checks the current state, merges the patch, stores the record and
 * publishes it on the job's event channel, atomically — so two workers (or a
 * worker and a cancel request) can never interleave half-updates, and a
 * subscriber never misses the final state.
 */
import type { Redis } from 'ioredis';
import type { Catalog, Page } from './catalog.js';
import type { JobRecord, JobState } from './job-schemas.js';

// A job record is a hash: field -> JSON text of its value. The script reads
// only the plain-string 'state' field, writes fields as given, and publishes
// the whole record assembled from the JSON texts, so no value ever passes
// through Lua's cjson (which would turn [] into {} and round numbers).
const TRANSITION_LUA = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {err = 'NO_SUCH_JOB'} end
local allowed = false
for i = 1, tonumber(ARGV[1]) do
  if ARGV[1 + i] == state then allowed = true end
end
local n = tonumber(ARGV[1])
local channel = ARGV[n + 2]
local kind = ARGV[n + 3]
local incr = tonumber(ARGV[n + 4])
if allowed then
  local i = n + 5
  while i <= #ARGV do
    if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i])
    else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
    i = i + 2
  end
  if incr > 0 then
    local a = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
    redis.call('HSET', KEYS[1], 'attempts', tostring(a + incr))
  end
end
local all = redis.call('HGETALL', KEYS[1])
local parts = {}
for j = 1, #all, 2 do parts[#parts + 1] = '"' .. all[j] .. '":' .. all[j + 1] end
local json = '{' .. table.concat(parts, ',') .. '}'
if allowed then
  redis.call('PUBLISH', channel, '{"kind":"' .. kind .. '","job":' .. json .. '}')
  return {1, json}
end
return {0, json}
`;

export type JobEventKind = 'state' | 'progress';

export interface JobEvent {
  kind: JobEventKind;
  job: JobRecord;
}

export interface TransitionResult {
  applied: boolean;
  job: JobRecord;
}

export class JobStates {
  private readonly redis: Redis;

  constructor(private readonly catalog: Catalog) {
    this.redis = catalog.redis;
    this.redis.defineCommand('cnnJobTransition', { numberOfKeys: 1, lua: TRANSITION_LUA });
  }

  eventChannel(jobId: string): string {
    return `${this.catalog.prefix}:events:${jobId}`;
  }

  /** Pattern matching every job's event channel, for one shared subscriber. */
  eventPattern(): string {
    return `${this.catalog.prefix}:events:*`;
  }

  async create(job: JobRecord): Promise<void> {
    // 'state' is stored as JSON text like every field ("queued" with quotes).
    await this.redis
      .multi()
      .hset(this.catalog.key('job', job.id), toHash(job))
      .zadd(this.catalog.indexKey('job', job.tenant), Date.parse(job.createdAt), job.id)
      .exec();
  }

  async get(jobId: string, tenant?: string): Promise<JobRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(jobId)) return undefined;
    const h = await this.redis.hgetall(this.catalog.key('job', jobId));
    if (!h.state) return undefined;
    const job = fromHash(h);
    if (tenant !== undefined && job.tenant !== tenant) return undefined;
    return job;
  }

  /** Newest first, optionally filtered; the cursor is an offset into the tenant's index. */
  async list(tenant: string, opts: { limit: number; cursor?: string; filter?: (j: JobRecord) => boolean }): Promise<Page<JobRecord>> {
    return this.catalog.page('job', tenant, opts, async (ids) => {
      const pipe = this.redis.pipeline();
      for (const id of ids) pipe.hgetall(this.catalog.key('job', id));
      const rows = (await pipe.exec()) ?? [];
      return rows.map(([, h]) => {
        const hash = h as Record<string, string> | null;
        return hash?.state ? fromHash(hash) : undefined;
      });
    });
  }

  /**
   * Applies `patch` if the job is in one of `from`; `undefined`/`null` values delete fields.
   * Returns whether it applied and the record as it now stands.
   */
  async transition(
    jobId: string,
    from: readonly JobState[],
    patch: Partial<JobRecord> | Record<string, unknown>,
    opts: { kind?: JobEventKind; incrementAttempts?: boolean } = {},
  ): Promise<TransitionResult> {
    const fields: string[] = [];
    for (const [k, v] of Object.entries(patch)) fields.push(k, v === undefined || v === null ? '' : JSON.stringify(v));
    const cmd = (this.redis as unknown as Record<string, (...a: unknown[]) => Promise<[number, string]>>).cnnJobTransition!;
    const res = await cmd.call(
      this.redis,
      this.catalog.key('job', jobId),
      String(from.length),
      ...from.map((s) => JSON.stringify(s)),
      this.eventChannel(jobId),
      opts.kind ?? 'state',
      opts.incrementAttempts ? '1' : '0',
      ...fields,
    );
    return { applied: res[0] === 1, job: JSON.parse(res[1]) as JobRecord };
  }
}

function toHash(job: JobRecord): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(job)) if (v !== undefined) h[k] = JSON.stringify(v);
  return h;
}

function fromHash(h: Record<string, string>): JobRecord {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) o[k] = JSON.parse(v);
  return o as unknown as JobRecord;
}

/** The pub/sub channel on which a cancel or stop request reaches the worker that holds the job. */
export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}

/** On cancelChannel: a job id asks to cancel; `stop:<id>` asks to stop early and keep the model. */
export function stopMessage(jobId: string): string {
  return `stop:${jobId}`;
}

export function parseStopMessage(message: string): { jobId: string; early: boolean } {
  return message.startsWith('stop:') ? { jobId: message.slice(5), early: true } : { jobId: message, early: false };
}
