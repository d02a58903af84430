/**
 * What the catalog reads and writes need: configuration, Redis (catalog
 * records and job states), the blob store and a logger. The API side's
 * service context and the worker side's job context both extend it.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { BlobStore } from './blobs.js';
import { Catalog } from './catalog.js';
import { JobStates } from './jobs.js';

export interface StoreContext {
  config: Config;
  redis: Redis;
  catalog: Catalog;
  jobs: JobStates;
  blobs: BlobStore;
  log: Logger;
}

export async function createStoreContext(config: Config, redis: Redis, log: Logger): Promise<StoreContext> {
  const catalog = new Catalog(redis, config.queuePrefix);
  const blobs = new BlobStore(config.dataDir);
  await blobs.init();
  return { config, redis, catalog, jobs: new JobStates(catalog), blobs, log };
}
