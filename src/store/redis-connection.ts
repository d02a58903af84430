/**
 * Redis connections and how they behave while Redis is away.
 *
 * - `api`: fail fast. No offline queue, a command timeout, no resend of
 *   unanswered commands after a reconnect (as BullMQ's production guide says
 *   for producers). A request answered 503 therefore never writes later.
 * - `worker`: wait. Commands queue until Redis is back (BullMQ workers need
 *   `maxRetriesPerRequest: null`), so a job in hand carries on.
 *
 * Every connection gets an error listener: an outage is logged once per
 * connection at warn, the recovery at info.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { CnnError } from '../errors.js';

export type RedisRole = 'api' | 'worker';

/** How long an API-side command may wait for its answer. */
export const API_COMMAND_TIMEOUT_MS = 1_500;
/** How long an API-side connect attempt may take before it is retried. */
const API_CONNECT_TIMEOUT_MS = 1_500;
/** Reconnect back-off ceiling. */
const MAX_RECONNECT_DELAY_MS = 2_000;

export function redisOptions(role: RedisRole): RedisOptions {
  const retryStrategy = (times: number) => Math.min(100 * times, MAX_RECONNECT_DELAY_MS);
  // Every field is set for both roles: duplicate() merges these over the original's options.
  if (role === 'worker') {
    return { maxRetriesPerRequest: null, enableOfflineQueue: true, commandTimeout: undefined, connectTimeout: 10_000, autoResendUnfulfilledCommands: true, retryStrategy };
  }
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: API_COMMAND_TIMEOUT_MS,
    connectTimeout: API_CONNECT_TIMEOUT_MS,
    autoResendUnfulfilledCommands: false,
    retryStrategy,
  };
}

/** Logs an outage once (warn) and the recovery (info) for one connection. */
export function watchConnection(redis: Redis, log: Logger, name: string): Redis {
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ connection: name, err: err.message }, 'redis unreachable');
  });
  redis.on('close', () => {
    // A close without an error (the server shut down cleanly) is an outage too, unless we closed it.
    if (down || redis.status === 'end') return;
    down = true;
    log.warn({ connection: name }, 'redis connection closed');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log.info({ connection: name }, 'redis reachable again');
  });
  return redis;
}

export function connectRedis(url: string, role: RedisRole, log: Logger, name: string): Redis {
  return watchConnection(new Redis(url, redisOptions(role)), log, name);
}

/** A duplicate of `redis` with the options of `role`, watched like the original. */
export function duplicateRedis(redis: Redis, role: RedisRole, log: Logger, name: string): Redis {
  return watchConnection(redis.duplicate(redisOptions(role)), log, name);
}

/** Waits until the connection is ready; logs once while it waits. */
export async function untilReady(redis: Redis, log: Logger, name: string): Promise<void> {
  if (redis.status === 'ready') return;
  const slow = setTimeout(() => log.warn({ connection: name }, 'waiting for redis'), 2_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const onReady = () => {
        redis.off('end', onEnd);
        resolve();
      };
      const onEnd = () => {
        redis.off('ready', onReady);
        reject(new Error(`redis connection ${name} ended before it was ready`));
      };
      redis.once('ready', onReady);
      redis.once('end', onEnd);
    });
  } finally {
    clearTimeout(slow);
  }
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = /Stream isn't writeable|Connection is closed|Command timed out|max retries per request|Command aborted due to connection close|connection ended before it was ready/i;

/** Whether `err` says Redis cannot be reached (as opposed to a command that Redis refused). */
export function isRedisUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message);
}

/** QUEUE_UNAVAILABLE for a Redis outage, undefined for anything else. */
export function queueUnavailable(err: unknown): CnnError | undefined {
  if (!isRedisUnavailable(err)) return undefined;
  return new CnnError('QUEUE_UNAVAILABLE', 'Redis (queue and catalog) cannot be reached; try again shortly');
}
