/**
 * The one configuration module: every environment variable the service reads
 * is declared here, validated with zod, and documented in the README table
 * (generated from CONFIG_DOCS). An unknown CNN_* variable or a malformed value
 * stops start-up with a message that names it.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

const int = (min: number) => z.coerce.number().int().min(min);
const bytes = int(1);

/** name → [schema, default (as the env string), description]. */
export const CONFIG_DOCS = {
  PORT: [int(0).max(65535), '8080', 'HTTP port of the REST API.'],
  HOST: [z.string().min(1).optional(), undefined, 'Interface the API (and a worker\'s metrics) listens on. Unset: 127.0.0.1 while the generated dev key is in use (CNN_API_KEYS unset), else 0.0.0.0.'],
  GRPC_PORT: [int(0).max(65535), '50051', 'gRPC port (the `cnn.v1` services and `grpc.health.v1.Health`), on HOST as well.'],
  REDIS_URL: [z.string().url().optional(), undefined, 'Redis URL. Unset: `npm start` runs a local redis-server child (data under CNN_DATA_DIR/redis, AOF on).'],
  CNN_DATA_DIR: [z.string().min(1), './data', 'Data dir: datasets, packed caches, checkpoints, model artifacts.'],
  CNN_API_KEYS: [z.string().optional(), undefined, 'Comma-separated `tenant:key` pairs. Unset: a dev key is generated once into CNN_DATA_DIR/api-key (mode 0600) for tenant `dev`.'],
  CNN_QUEUE_PREFIX: [z.string().min(1), 'cnn', 'Key prefix of the BullMQ queue and the catalog in Redis (use a hash tag, e.g. `{cnn}`, on Redis Cluster).'],
  CNN_DEVICE: [z.enum(['auto', 'cpu', 'cuda']), 'auto', 'Device a worker trains on when a job says `auto`.'],
  CNN_THREADS: [int(0), '0', 'libtorch intra-op threads per worker; 0 = number of cores.'],
  CNN_WORKERS: [int(0), '1', 'Workers that `npm start` runs in-process beside the API (0 = API only).'],
  CNN_MAX_UPLOAD_BYTES: [bytes, String(2 * 1024 ** 3), 'Largest dataset upload (request bytes).'],
  CNN_MAX_ARCHIVE_ENTRIES: [int(1), '200000', 'Most entries in an uploaded archive.'],
  CNN_MAX_INFLATED_BYTES: [bytes, String(4 * 1024 ** 3), 'Most bytes an archive may inflate to.'],
  CNN_MAX_IMAGE_PIXELS: [int(1), '25000000', 'Most pixels in one image (width × height).'],
  CNN_MAX_PREDICT_IMAGES: [int(1), '256', 'Most images in one predict request.'],
  CNN_MAX_PARAMS: [int(1), '200000000', 'Largest model (learnable parameters) a spec may declare.'],
  CNN_PREFLIGHT_MIN_PER_CLASS: [int(1), '10', 'A class with fewer training images than this is a pre-flight error (PREFLIGHT_CLASS_TOO_SMALL); train jobs on the dataset then need `allowPreflightErrors`.'],
  CNN_LOCK_DURATION_MS: [int(1000), '30000', 'BullMQ job lock; a worker that stops renewing it for this long is considered dead.'],
  CNN_AUTH_FAILURES_PER_MINUTE: [int(1), '30', 'Failed authentications one client address may make per minute; beyond it the API answers 429 RATE_LIMITED (counted in Redis, so across API replicas).'],
  CNN_TENANT_REQUESTS_PER_MINUTE: [int(1), '1200', 'Requests one tenant may make per minute to /v1 (429 RATE_LIMITED beyond it; counted in Redis).'],
  CNN_HTTP_IDLE_TIMEOUT_MS: [int(1000), '20000', 'A connection that sends nothing for this long while its request is incomplete (or sits idle between requests) is closed. A request that has been fully received is not timed (training progress streams, long ingests).'],
  CNN_METRICS: [z.enum(['on', 'off']), 'on', 'Prometheus metrics: `GET /metrics` on the API port (no key needed) and a worker\'s CNN_WORKER_METRICS_PORT; off serves neither.'],
  CNN_WORKER_METRICS_PORT: [int(0).max(65535).optional(), undefined, 'Port on HOST where `npm run worker` serves its own `/metrics`. Unset: none (`npm start`\'s in-process workers report through the API\'s /metrics).'],
  CNN_LOG_LEVEL: [z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info', 'Log level (pino).'],
  CNN_MALLOC_TUNING: [z.enum(['0', '1']).optional(), undefined, "Read by the native addon: 0 keeps glibc's malloc thresholds; by default they are raised so training steps reuse memory instead of faulting pages in."],
  CNN_COMPUTE_THREAD: [z.enum(['0', '1']).optional(), undefined, 'Read by the native addon: 0 runs each engine call on the libuv thread that takes it; by default a CPU-only libtorch runs them all on one compute thread, which keeps OpenMP from putting its threads to sleep between operators.'],
  CNN_NATIVE_ADDON: [z.string().min(1).optional(), undefined, 'Path of the built addon, when it is not native/build/Release/cnn_native.node.'],
  CNN_BOOTSTRAP_SKIP_APT: [z.enum(['0', '1']).optional(), undefined, 'Read by scripts/bootstrap.mjs: 1 skips the apt step (images that bring libtorch another way).'],
  CNN_BUILD_JOBS: [z.coerce.number().int().min(1).max(64).optional(), undefined, 'Read by scripts/bootstrap.mjs: parallel compile jobs for the addon (default 2).'],
} as const;

type Docs = typeof CONFIG_DOCS;
export type ConfigKey = keyof Docs;

export interface Config {
  port: number;
  host: string;
  grpcPort: number;
  redisUrl: string | undefined;
  dataDir: string;
  apiKeys: Map<string, string> | undefined; // key → tenant
  queuePrefix: string;
  device: 'auto' | 'cpu' | 'cuda';
  threads: number;
  workers: number;
  limits: {
    maxUploadBytes: number;
    maxArchiveEntries: number;
    maxInflatedBytes: number;
    maxImagePixels: number;
    maxPredictImages: number;
    maxParams: number;
    /** CNN_PREFLIGHT_MIN_PER_CLASS. */
    preflightMinPerClass: number;
  };
  lockDurationMs: number;
  http: {
    authFailuresPerMinute: number;
    tenantRequestsPerMinute: number;
    idleTimeoutMs: number;
  };
  metrics: boolean;
  workerMetricsPort: number | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses `tenant:key,tenant2:key2` into key → tenant. */
export function parseApiKeys(raw: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const [i, pair] of raw.split(',').map((p) => p.trim()).filter(Boolean).entries()) {
    const m = /^([A-Za-z0-9_-]{1,64}):(\S{8,256})$/.exec(pair);
    if (!m) throw new ConfigError(`CNN_API_KEYS entry ${i + 1} must be tenant:key (tenant [A-Za-z0-9_-], key at least 8 characters)`);
    if (map.has(m[2]!)) throw new ConfigError(`CNN_API_KEYS entry ${i + 1} repeats a key`);
    map.set(m[2]!, m[1]!);
  }
  if (map.size === 0) throw new ConfigError('CNN_API_KEYS is set but holds no tenant:key pair');
  return map;
}

/** Variables the `cnn` command line reads (which service, which key); the service ignores them. */
const CLI_ONLY = new Set(['CNN_URL', 'CNN_KEY']);

/** Reads the configuration from an environment; throws ConfigError naming the variable at fault. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  for (const name of Object.keys(env)) {
    if (name.startsWith('CNN_') && !(name in CONFIG_DOCS) && !CLI_ONLY.has(name)) {
      throw new ConfigError(`unknown environment variable ${name}; known CNN_* variables: ${Object.keys(CONFIG_DOCS).filter((k) => k.startsWith('CNN_')).join(', ')}`);
    }
  }
  const values: Record<string, unknown> = {};
  for (const [name, [schema, fallback]] of Object.entries(CONFIG_DOCS) as [ConfigKey, Docs[ConfigKey]][]) {
    const raw = env[name] === '' ? undefined : env[name];
    const parsed = (schema as z.ZodType).safeParse(raw ?? fallback);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ConfigError(`environment variable ${name}=${JSON.stringify(raw)} is invalid: ${issue?.message ?? 'bad value'}`);
    }
    values[name] = parsed.data;
  }
  const v = values as { [K in ConfigKey]: never } & Record<string, unknown>;
  return {
    port: v.PORT as number,
    // A generated dev key is a local convenience: keep it off the network unless HOST says otherwise.
    host: (v.HOST as string | undefined) ?? (v.CNN_API_KEYS ? '0.0.0.0' : '127.0.0.1'),
    grpcPort: v.GRPC_PORT as number,
    redisUrl: v.REDIS_URL as string | undefined,
    dataDir: resolve(v.CNN_DATA_DIR as string),
    apiKeys: v.CNN_API_KEYS ? parseApiKeys(v.CNN_API_KEYS as string) : undefined,
    queuePrefix: v.CNN_QUEUE_PREFIX as string,
    device: v.CNN_DEVICE as Config['device'],
    threads: v.CNN_THREADS as number,
    workers: v.CNN_WORKERS as number,
    limits: {
      maxUploadBytes: v.CNN_MAX_UPLOAD_BYTES as number,
      maxArchiveEntries: v.CNN_MAX_ARCHIVE_ENTRIES as number,
      maxInflatedBytes: v.CNN_MAX_INFLATED_BYTES as number,
      maxImagePixels: v.CNN_MAX_IMAGE_PIXELS as number,
      maxPredictImages: v.CNN_MAX_PREDICT_IMAGES as number,
      maxParams: v.CNN_MAX_PARAMS as number,
      preflightMinPerClass: v.CNN_PREFLIGHT_MIN_PER_CLASS as number,
    },
    lockDurationMs: v.CNN_LOCK_DURATION_MS as number,
    http: {
      authFailuresPerMinute: v.CNN_AUTH_FAILURES_PER_MINUTE as number,
      tenantRequestsPerMinute: v.CNN_TENANT_REQUESTS_PER_MINUTE as number,
      idleTimeoutMs: v.CNN_HTTP_IDLE_TIMEOUT_MS as number,
    },
    metrics: v.CNN_METRICS === 'on',
    workerMetricsPort: v.CNN_WORKER_METRICS_PORT as number | undefined,
    logLevel: v.CNN_LOG_LEVEL as Config['logLevel'],
  };
}

/** The README's configuration table (scripts/readme-config.ts keeps it in sync). */
export function renderConfigTable(): string {
  const rows = Object.entries(CONFIG_DOCS).map(([name, [, fallback, doc]]) => `| \`${name}\` | ${fallback === undefined ? '—' : `\`${fallback}\``} | ${doc} |`);
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n') + '\n';
}
