/**
 * HTTP metrics and the /metrics route (Prometheus text format). The route
 * label is Fastify's route pattern (`/v1/jobs/:id`), or `unmatched` for a 404
 * without a route, so ids never become labels. /metrics needs no API key: it
 * holds no tenant data; keep the port off the internet or set CNN_METRICS=off.
 */
import type { FastifyInstance } from 'fastify';
import { httpDuration, httpRequests, methodLabel, registry } from '../../metrics/index.js';

export function registerMetrics(app: FastifyInstance): void {
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const method = methodLabel(req.method);
    httpRequests.inc({ method, route, status: String(reply.statusCode) });
    httpDuration.observe({ method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_req, reply) => {
    void reply.type(registry.contentType).header('cache-control', 'no-store');
    return registry.metrics();
  });
}
