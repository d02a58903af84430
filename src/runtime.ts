/**
 * Process wiring shared by the entry points: configuration, logger, Redis
 * (a URL, or the embedded redis-server child), the dev API key, the service
 * context, workers. src/server.ts and src/worker.ts compose these.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { engineRuntimeInfo, setEngineThreads } from './engine/index.js';
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { loadConfig, type Config } from './config.js';
import { enableMetrics, setQueueCounts } from './metrics/index.js';
import { processors } from './jobs/processors.js';
import { startWorker, type RunningWorker } from './jobs/runner.js';
import { createContext, type ServiceContext } from './service/context.js';
import { createStoreContext } from './store/context.js';
import { connectRedis, duplicateRedis, untilReady, type RedisRole } from './store/redis-connection.js';
import { startLocalRedis, type LocalRedis } from './store/redis-server.js';

export const DEV_TENANT = 'dev';

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { pid: process.pid } });
}

/** The dev key, generated once into <dataDir>/api-key (mode 0600), for when CNN_API_KEYS is unset. */
export function devApiKey(dataDir: string): string {
  const file = join(dataDir, 'api-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = `dev-${randomBytes(18).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

export interface Runtime {
  config: Config;
  log: Logger;
  ctx: ServiceContext;
  localRedis?: LocalRedis;
  /** The generated dev key, when CNN_API_KEYS is unset. */
  devKey?: string;
  close(): Promise<void>;
}

/**
 * @param opts.embeddedRedis start a local redis-server when REDIS_URL is unset
 * @param opts.redisRole `api` (default): the context's connection fails fast (503 while Redis is away);
 *   `worker`: it waits for Redis, for a process that only runs jobs
 */
export async function createRuntime(
  env: NodeJS.ProcessEnv = process.env,
  opts: { embeddedRedis: boolean; redisRole?: RedisRole } = { embeddedRedis: true },
): Promise<Runtime> {
  const config = loadConfig(env);
  const log = createLogger(config);
  // Loading the addon blocks the event loop for a while; do it before any Redis command has a timer running.
  configureEngineThreads(config, log);
  let devKey: string | undefined;
  if (!config.apiKeys) {
    devKey = devApiKey(config.dataDir);
    config.apiKeys = new Map([[devKey, DEV_TENANT]]);
  }
  let localRedis: LocalRedis | undefined;
  let url = config.redisUrl;
  if (!url) {
    if (!opts.embeddedRedis) throw new Error('REDIS_URL is not set');
    localRedis = await startLocalRedis({ dir: join(config.dataDir, 'redis'), persist: true });
    url = localRedis.url;
    log.info({ url }, 'started embedded redis-server');
  }
  const redis = connectRedis(url, opts.redisRole ?? 'api', log, 'main');
  // The fail-fast connection refuses commands until it is connected, so wait for it once here.
  await untilReady(redis, log, 'main');
  const ctx = await createContext(config, redis, log);
  if (config.metrics) {
    enableMetrics();
    // Queue depths are read at scrape time by the process that serves the API.
    if ((opts.redisRole ?? 'api') === 'api') setQueueCounts(() => ctx.queue.getJobCounts('waiting', 'active', 'delayed', 'failed'));
  }
  const rt: Runtime = {
    config,
    log,
    ctx,
    ...(localRedis ? { localRedis } : {}),
    ...(devKey ? { devKey } : {}),
    async close() {
      await ctx.events.close();
      // Closing the queue sends nothing that matters; with Redis away it must not hold the stop up.
      await ctx.queue.close().catch((err: unknown) => log.debug({ err }, 'queue close failed'));
      redis.disconnect();
      if (localRedis) {
        await localRedis.stop();
        log.info('embedded redis-server stopped');
      }
    },
  };
  return rt;
}

/** libtorch's intra-op threads: CNN_THREADS, or one per core. Called before any engine work in this process. */
export function configureEngineThreads(config: Config, log: Logger): void {
  const n = config.threads > 0 ? config.threads : availableParallelism();
  try {
    setEngineThreads(n);
  } catch (err) {
    // No addon: the API still serves everything but training and prediction, which report ENGINE_UNAVAILABLE.
    log.warn({ err: (err as Error).message }, 'engine unavailable');
  }
}

/**
 * Workers wait for Redis rather than fail: each gets its own waiting connection (BullMQ and the
 * job's record writes) and a subscriber, so a job in hand carries on when Redis returns.
 */
export async function startWorkers(rt: Runtime, count: number): Promise<RunningWorker[]> {
  const workers: RunningWorker[] = [];
  if (count > 0) logEngineRuntime(rt.log);
  for (let i = 0; i < count; i++) {
    const connection = duplicateRedis(rt.ctx.redis, 'worker', rt.log, `worker-${i}`);
    const subscriber = duplicateRedis(rt.ctx.redis, 'worker', rt.log, `worker-${i}-cancel`);
    const store = await createStoreContext(rt.config, connection, rt.log);
    workers.push(await startWorker(store, processors, { connection, subscriber, slot: i }));
  }
  return workers;
}

/** A graceful stop that takes longer than this exits anyway (compose's stop_grace_period is longer). */
export const SHUTDOWN_DEADLINE_MS = 15_000;

/**
 * SIGINT/SIGTERM once: graceful stop; twice: exit now. A stop still running after
 * SHUTDOWN_DEADLINE_MS exits with 1 (an embedded redis-server is killed with the process).
 */
export function onShutdown(log: Logger, stop: () => Promise<void>, deadlineMs = SHUTDOWN_DEADLINE_MS): void {
  let stopping = false;
  let stoppingSince = 0;
  const handler = (signal: string) => {
    if (stopping) {
      // A terminal sends SIGINT to the whole group, npm included, which may pass it on again: only a signal a moment later means "now".
      if (Date.now() - stoppingSince < 500) return;
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    stoppingSince = Date.now();
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error({ deadlineMs }, 'shutdown took too long: exiting now');
      process.exit(1);
    }, deadlineMs).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Which BLAS libtorch resolved (libblas.so.3 → its real file), the ISA oneDNN uses, threads and bf16 support: what decides training speed. */
function logEngineRuntime(log: Logger): void {
  try {
    log.info(engineRuntimeInfo(), 'engine runtime');
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'engine unavailable');
  }
}
