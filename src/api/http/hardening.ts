/**
 * What every HTTP response and connection gets, whatever the route:
 * - security headers (helmet) with a CSP a same-origin page can live with;
 * - `Cache-Control: no-store` on JSON (API answers are per tenant and change);
 * - rate limits, counted in Redis so they hold across API replicas: failed
 *   authentications per client address, requests per tenant; with Redis away
 *   they are skipped rather than hang the request;
 * - socket timeouts that cut stalled clients but never a request that is
 *   streaming bytes or has been fully received (see `idleTimeoutMs`).
 */
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CnnError, isCnnError } from '../../errors.js';
import { tenantForAuthorization } from '../../service/auth.js';
import type { ServiceContext } from '../../service/context.js';

const RATE_WINDOW_MS = 60_000;

/** Fastify server options for the timeouts (the idle timeout is Node's socket timeout). */
export function timeoutOptions(ctx: ServiceContext) {
  return {
    connectionTimeout: ctx.config.http.idleTimeoutMs,
    // Idle keep-alive sockets close sooner than a stalled request.
    keepAliveTimeout: Math.min(5_000, ctx.config.http.idleTimeoutMs),
    // No cap on a whole request: an upload that keeps streaming may take as long as it needs.
    requestTimeout: 0,
  };
}

function rateLimited(retryAfterS: number, what: string): CnnError {
  return new CnnError('RATE_LIMITED', `too many ${what}; retry in ${retryAfterS} s`, undefined, { retryAfterSeconds: retryAfterS });
}

export async function registerHardening(app: FastifyInstance, ctx: ServiceContext): Promise<void> {
  const idleMs = ctx.config.http.idleTimeoutMs;
  app.server.headersTimeout = idleMs;

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // Served over plain HTTP on a LAN too, so do not ask browsers to upgrade to HTTPS.
    hsts: false,
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('application/json') && !reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    return payload;
  });

  await app.register(rateLimit, { global: false, redis: ctx.redis, skipOnError: true, nameSpace: `${ctx.config.queuePrefix}:ratelimit:` });
  const authFailures = app.createRateLimit({ max: ctx.config.http.authFailuresPerMinute, timeWindow: RATE_WINDOW_MS, keyGenerator: (req) => `auth:${req.ip}` });
  const tenantRequests = app.createRateLimit({ max: ctx.config.http.tenantRequestsPerMinute, timeWindow: RATE_WINDOW_MS, keyGenerator: (req) => `tenant:${req.tenant}` });

  app.addHook('onRequest', async (req: FastifyRequest) => {
    armIdleTimeout(req, idleMs);
    if (!req.url.startsWith('/v1/')) return;
    try {
      req.tenant = tenantForAuthorization(ctx, req.headers.authorization);
    } catch (err) {
      if (isCnnError(err) && err.code === 'UNAUTHENTICATED') {
        const r = await authFailures(req);
        if (!r.isAllowed && r.isExceeded) throw rateLimited(r.ttlInSeconds, 'failed authentications from this address');
      }
      throw err;
    }
    const r = await tenantRequests(req);
    if (!r.isAllowed && r.isExceeded) throw rateLimited(r.ttlInSeconds, 'requests for this tenant');
  });
}

/** The Retry-After header (seconds) for a RATE_LIMITED error. */
export function retryAfterSeconds(e: CnnError): number | undefined {
  return e.code === 'RATE_LIMITED' ? Math.max(1, Number(e.details?.retryAfterSeconds ?? 1)) : undefined;
}

/**
 * While a request is still arriving, the socket may stay silent for at most `idleMs` (a stalled
 * client is cut; an upload that keeps sending bytes never is). Once it has been received whole,
 * the handler takes as long as it needs (event streams, ingest of a large upload); after the
 * response Node's keep-alive timeout applies.
 */
function armIdleTimeout(req: FastifyRequest, idleMs: number): void {
  const raw = req.raw;
  const socket = raw.socket;
  if (typeof socket?.setTimeout !== 'function') return; // an injected request has no real socket
  if (raw.complete) {
    socket.setTimeout(0);
    return;
  }
  socket.setTimeout(idleMs);
  raw.once('end', () => socket.setTimeout(0));
}
