/**
 * The REST adapter: composes the route plugins, maps every error through the
 * one error table, authenticates `/v1` with bearer keys. No business logic
 * lives here; routes call src/service.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import { CnnError, isCnnError } from '../../errors.js';
import type { ServiceContext } from '../../service/context.js';
import { queueUnavailable } from '../../store/redis-connection.js';
import { architectureRoutes } from './routes/architectures.js';
import { datasetRoutes } from './routes/datasets.js';
import { registerHardening, retryAfterSeconds, timeoutOptions } from './hardening.js';
import { registerMetrics } from './metrics.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { modelRoutes } from './routes/models.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { webRoutes } from './routes/web.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: string;
  }
}

export async function buildHttpApp(ctx: ServiceContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log.child({ component: 'http' }) as unknown as FastifyBaseLogger,
    // Uploads stream through multipart with their own limit; JSON bodies stay small.
    bodyLimit: 10 * 1024 * 1024,
    ajv: undefined,
    ...timeoutOptions(ctx),
  });
  // Headers, cache policy, rate limits, authentication and socket timeouts (hardening.ts).
  await registerHardening(app, ctx);

  await app.register(multipart, {
    limits: {
      fileSize: ctx.config.limits.maxUploadBytes,
      files: Math.max(3, ctx.config.limits.maxPredictImages),
      fields: 20,
      fieldSize: 64 * 1024,
      parts: Math.max(3, ctx.config.limits.maxPredictImages) + 20,
    },
  });

  app.decorateRequest('tenant', '');

  app.setErrorHandler((err, req, reply) => {
    let e: CnnError;
    const unavailable = queueUnavailable(err);
    if (isCnnError(err)) e = err;
    else if (unavailable) e = unavailable;
    else if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE' || (err as { code?: string }).code === 'FST_FILES_LIMIT' || (err as { code?: string }).code === 'FST_PARTS_LIMIT') {
      e = new CnnError('UPLOAD_TOO_LARGE', `upload exceeds the limit of ${ctx.config.limits.maxUploadBytes} bytes (CNN_MAX_UPLOAD_BYTES)`);
    } else if ((err as { statusCode?: number }).statusCode === 413) {
      e = new CnnError('UPLOAD_TOO_LARGE', 'request body too large');
    } else if ((err as { statusCode?: number }).statusCode !== undefined && (err as { statusCode: number }).statusCode < 500) {
      e = new CnnError("VALIDATION_FAILED", (err as Error).message);
    } else {
      req.log.error({ err }, 'unhandled error');
      e = new CnnError('INTERNAL', 'internal error; see the server log');
    }
    // An outage is logged once by the Redis connections, not once per request.
    if (e.code === 'QUEUE_UNAVAILABLE') req.log.debug({ code: e.code }, e.message);
    else if (e.httpStatus >= 500) req.log.error({ code: e.code, err: e.message }, 'request failed');
    else req.log.info({ code: e.code, path: e.path }, e.message);
    const retryAfter = retryAfterSeconds(e);
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    void reply.status(e.httpStatus).send(e.toJSON());
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send(new CnnError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`).toJSON());
  });

  if (ctx.config.metrics) registerMetrics(app);
  await app.register(healthRoutes(ctx));
  await app.register(architectureRoutes(ctx), { prefix: '/v1' });
  await app.register(datasetRoutes(ctx), { prefix: '/v1' });
  await app.register(jobRoutes(ctx), { prefix: '/v1' });
  await app.register(modelRoutes(ctx), { prefix: '/v1' });
  await app.register(dashboardRoutes(ctx), { prefix: '/v1' });
  // The dashboard (web/): static files at `/`, the API stays under /v1.
  await app.register(webRoutes());
  return app;
}
