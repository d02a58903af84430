import type { FastifyPluginAsync } from 'fastify';
import { listZooModels, summarizeArchitecture } from '../../../service/architectures.js';
import type { ServiceContext } from '../../../service/context.js';

export function architectureRoutes(ctx: ServiceContext): FastifyPluginAsync {
  return async (app) => {
    // The body is the spec itself, as `cnn summary` reads it from a file.
    app.post('/architectures/summary', async (req) => summarizeArchitecture(ctx, req.body));
    app.get('/zoo', async () => ({ items: listZooModels() }));
  };
}
