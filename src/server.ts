/**
 * `npm start`: the REST API and the gRPC API, plus CNN_WORKERS in-process workers, plus (when
 * REDIS_URL is unset) an embedded redis-server child. Ctrl-C stops all of it:
 * workers checkpoint and hand their jobs back first.
 */
import { startGrpcServer } from './api/grpc/server.js';
import { buildHttpApp } from './api/http/app.js';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from './config.js';
import { createRuntime, onShutdown, startWorkers } from './runtime.js';

const HTTP_CLOSE_GRACE_MS = 3_000;

async function main(): Promise<void> {
  const rt = await createRuntime();
  const app = await buildHttpApp(rt.ctx);
  const workers = await startWorkers(rt, rt.config.workers);
  await app.listen({ port: rt.config.port, host: rt.config.host });
  const grpc = await startGrpcServer(rt.ctx, { host: rt.config.host, port: rt.config.grpcPort });
  const shownHost = rt.config.host === '0.0.0.0' ? '127.0.0.1' : rt.config.host;
  const url = `http://${shownHost}:${(app.server.address() as { port: number }).port}`;
  process.stdout.write(`\ncnn-trainer listening on ${url} (gRPC on ${shownHost}:${grpc.port})\n`);
  if (rt.devKey) process.stdout.write(`dev API key (tenant 'dev'): ${rt.devKey}\n  try: curl -H "Authorization: Bearer ${rt.devKey}" ${url}/v1/datasets\n\n`);
  // In order: workers checkpoint and hand their jobs back (they need Redis), then the servers
  // close, then Redis (the embedded one last, with SHUTDOWN so its AOF is flushed).
  onShutdown(rt.log, async () => {
    await Promise.all(workers.map((w) => w.shutdown()));
    rt.log.info('workers stopped');
    await Promise.all([grpc.close(), closeHttp(app)]);
    rt.log.info('servers closed');
    await rt.close();
  });
}

/** Requests in flight get HTTP_CLOSE_GRACE_MS to finish; then open connections (event streams, stalled uploads) are cut. */
async function closeHttp(app: FastifyInstance): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((r) => (timer = setTimeout(r, HTTP_CLOSE_GRACE_MS)));
  const closed = app.close();
  await Promise.race([closed, grace]);
  clearTimeout(timer);
  app.server.closeAllConnections();
  await closed;
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`configuration error: ${err.message}\n`);
  else process.stderr.write(`start-up failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
