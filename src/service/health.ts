/**
 * Liveness and readiness: Redis reachable, and a worker heartbeat seen
 * recently. Workers write their heartbeat into one sorted set (score = time).
 */
import type { ServiceContext } from './context.js';

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

export async function heartbeat(ctx: ServiceContext, info: WorkerInfo): Promise<void> {
  const key = workersKey(ctx.config.queuePrefix);
  await ctx.redis
    .multi()
    .zadd(key, Date.now(), JSON.stringify({ ...info, busyJob: undefined }))
    .zremrangebyscore(key, 0, Date.now() - 10 * WORKER_STALE_MS)
    .exec();
}

export async function readiness(ctx: ServiceContext): Promise<{ ready: boolean; redis: boolean; workers: WorkerInfo[] }> {
  let redis = false;
  let workers: WorkerInfo[] = [];
  try {
    redis = (await ctx.redis.ping()) === 'PONG';
    const raw = await ctx.redis.zrangebyscore(workersKey(ctx.config.queuePrefix), Date.now() - WORKER_STALE_MS, '+inf');
    const byId = new Map<string, WorkerInfo>();
    for (const r of raw) {
      const w = JSON.parse(r) as WorkerInfo;
      byId.set(w.id, w);
    }
    workers = [...byId.values()];
  } catch {
    redis = false;
  }
  return { ready: redis && workers.length > 0, redis, workers };
}
