/**
 * What every use case needs: configuration, Redis (catalog, job states,
 * queue) and the blob store. Built once per process by src/server.ts or
 * src/worker.ts and handed to the adapters.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createQueue, type QueuedJobData } from '../jobs/queue.js';
import { JobStates } from '../jobs/state.js';
import { BlobStore } from '../store/blobs.js';
import { Catalog } from '../store/catalog.js';
import { JobEventHub } from './job-events.js';

export interface ServiceContext {
  config: Config;
  redis: Redis;
  catalog: Catalog;
  jobs: JobStates;
  queue: Queue<QueuedJobData>;
  blobs: BlobStore;
  log: Logger;
  /** Fan-out of job events to watchers; uses its own subscriber connection, made on first use. */
  events: JobEventHub;
}

export async function createContext(config: Config, redis: Redis, log: Logger): Promise<ServiceContext> {
  const catalog = new Catalog(redis, config.queuePrefix);
  const blobs = new BlobStore(config.dataDir);
  await blobs.init();
  const ctx = {
    config,
    redis,
    catalog,
    jobs: new JobStates(catalog),
    queue: createQueue(redis, config.queuePrefix),
    blobs,
    log,
  } as ServiceContext;
  ctx.events = new JobEventHub(ctx, redis.duplicate());
  return ctx;
}
