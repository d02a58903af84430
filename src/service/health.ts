/**
 * Liveness and readiness: Redis reachable, and a worker heartbeat seen
 * recently (the worker registry is store/workers.ts).
 */
import { liveWorkers, type WorkerInfo } from '../store/workers.js';
import type { ServiceContext } from './context.js';

export async function readiness(ctx: ServiceContext): Promise<{ ready: boolean; redis: boolean; workers: WorkerInfo[] }> {
  let redis = false;
  let workers: WorkerInfo[] = [];
  try {
    redis = (await ctx.redis.ping()) === 'PONG';
    workers = await liveWorkers(ctx);
  } catch {
    redis = false;
  }
  return { ready: redis && workers.length > 0, redis, workers };
}
