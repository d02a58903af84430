import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceContext } from '../../../service/context.js';
import { readiness } from '../../../service/health.js';
import { projectRoot } from '../../../paths.js';

export function healthRoutes(ctx: ServiceContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', async () => ({ ok: true }));
    app.get('/readyz', async (_req, reply) => {
      const r = await readiness(ctx);
      void reply.status(r.ready ? 200 : 503);
      return r;
    });
    app.get('/openapi.yaml', async (_req, reply) => {
      const text = await readFile(join(projectRoot(), 'openapi.yaml'), 'utf8');
      void reply.type('application/yaml');
      return text;
    });
  };
}
