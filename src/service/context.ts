/**
 * What every use case needs: the store (configuration, Redis, catalog, job
 * states, blobs), the queue and the job event hub. Built once per process by
 * src/runtime.ts and handed to the adapters; workers get the same object as
 * their store context.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createQueue, type QueuedJobData } from '../jobs/queue.js';
import { createStoreContext, type StoreContext } from '../store/context.js';
import { watchConnection } from '../store/redis-connection.js';
import { JobEventHub } from './job-events.js';

export interface ServiceContext extends StoreContext {
  queue: Queue<QueuedJobData>;
  /** Fan-out of job events to watchers; uses its own subscriber connection, made on first use. */
  events: JobEventHub;
}

export async function createContext(config: Config, redis: Redis, log: Logger): Promise<ServiceContext> {
  const store = await createStoreContext(config, redis, log);
  const ctx = { ...store, queue: createQueue(redis, config.queuePrefix) } as ServiceContext;
  // The subscriber inherits the connection's options (fail fast on the API side) and resubscribes after an outage.
  // BullMQ loads its scripts once per connection and keeps a failure; have that happen now, not on the first submit.
  await ctx.queue.waitUntilReady();
  ctx.events = new JobEventHub(ctx, watchConnection(redis.duplicate(), log, 'events'));
  return ctx;
}
