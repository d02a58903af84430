import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../paths.js';

/** Where `vite build` writes the dashboard (gitignored). */
export function webDistDir(): string {
  return join(projectRoot(), 'web', 'dist');
}

/**
 * The dashboard at `/`: Vite's hashed files under /assets are immutable, index.html is
 * revalidated on every load so a new build is picked up. Without a build, `/` says how to make one.
 */
export function webRoutes(): FastifyPluginAsync {
  return async (app) => {
    const root = webDistDir();
    if (!existsSync(join(root, 'index.html'))) {
      app.get('/', async (_req, reply) => {
        void reply.status(503).type('text/plain; charset=utf-8');
        return 'The dashboard is not built: run `npm run build:web` (npm start does it).\n';
      });
      return;
    }
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      index: ['index.html'],
      cacheControl: false,
      setHeaders(res, path) {
        if (path.includes(`${join('dist', 'assets')}`)) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
        else res.setHeader('cache-control', 'no-cache');
      },
    });
  };
}
