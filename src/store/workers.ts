/**
 * The worker registry: each worker writes a heartbeat into one sorted set
 * (score = time); readiness and the operator's views read who is alive.
 */
import type { StoreContext } from './context.js';

export const WORKER_HEARTBEAT_MS = 5_000;
/** A worker not heard from in this long no longer counts as present. */
export const WORKER_STALE_MS = 30_000;

export function workersKey(prefix: string): string {
  return `${prefix}:workers`;
}

export interface WorkerInfo {
  id: string;
  device: string;
  pid: number;
  host: string;
  busyJob?: string;
}

export async function heartbeat(ctx: StoreContext, info: WorkerInfo): Promise<void> {
  const key = workersKey(ctx.config.queuePrefix);
  await ctx.redis
    .multi()
    .zadd(key, Date.now(), JSON.stringify({ ...info, busyJob: undefined }))
    .zremrangebyscore(key, 0, Date.now() - 10 * WORKER_STALE_MS)
    .exec();
}

/** Workers heard from within WORKER_STALE_MS, one entry per worker id. */
export async function liveWorkers(ctx: StoreContext): Promise<WorkerInfo[]> {
  const raw = await ctx.redis.zrangebyscore(workersKey(ctx.config.queuePrefix), Date.now() - WORKER_STALE_MS, '+inf');
  const byId = new Map<string, WorkerInfo>();
  for (const r of raw) {
    const w = JSON.parse(r) as WorkerInfo;
    byId.set(w.id, w);
  }
  return [...byId.values()];
}
