/**
 * Process wiring shared by the entry points: configuration, logger, Redis
 * (a URL, or the embedded redis-server child), the dev API key, the service
 * context, workers. src/server.ts and src/worker.ts compose these.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setEngineThreads } from './engine/index.js';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { loadConfig, type Config } from './config.js';
import { processors } from './jobs/processors.js';
import { startWorker, type RunningWorker } from './jobs/runner.js';
import { createContext, type ServiceContext } from './service/context.js';
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

export async function createRuntime(env: NodeJS.ProcessEnv = process.env, opts: { embeddedRedis: boolean } = { embeddedRedis: true }): Promise<Runtime> {
  const config = loadConfig(env);
  const log = createLogger(config);
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
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  const ctx = await createContext(config, redis, log);
  const rt: Runtime = {
    config,
    log,
    ctx,
    ...(localRedis ? { localRedis } : {}),
    ...(devKey ? { devKey } : {}),
    async close() {
      await ctx.events.close();
      await ctx.queue.close();
      redis.disconnect();
      await localRedis?.stop();
    },
  };
  configureEngineThreads(rt);
  return rt;
}

/** libtorch's intra-op threads: CNN_THREADS, or one per core. Called before any engine work in this process. */
export function configureEngineThreads(rt: Runtime): void {
  const n = rt.config.threads > 0 ? rt.config.threads : availableParallelism();
  try {
    setEngineThreads(n);
  } catch (err) {
    // No addon: the API still serves everything but training and prediction, which report ENGINE_UNAVAILABLE.
    rt.log.warn({ err: (err as Error).message }, 'engine unavailable');
  }
}

export async function startWorkers(rt: Runtime, count: number): Promise<RunningWorker[]> {
  const workers: RunningWorker[] = [];
  for (let i = 0; i < count; i++) {
    workers.push(await startWorker(rt.ctx, processors, { connection: rt.ctx.redis.duplicate(), subscriber: rt.ctx.redis.duplicate() }));
  }
  return workers;
}

/** SIGINT/SIGTERM once: graceful stop; twice: exit now. */
export function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
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
