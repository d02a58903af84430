/**
 * `npm start`: the REST API and the gRPC API, plus CNN_WORKERS in-process workers, plus (when
 * REDIS_URL is unset) an embedded redis-server child. Ctrl-C stops all of it:
 * workers checkpoint and hand their jobs back first.
 */
import { startGrpcServer } from './api/grpc/server.js';
import { buildHttpApp } from './api/http/app.js';
import { ConfigError } from './config.js';
import { createRuntime, onShutdown, startWorkers } from './runtime.js';

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
  onShutdown(rt.log, async () => {
    await Promise.all([grpc.close(), app.close()]);
    await Promise.all(workers.map((w) => w.shutdown()));
    await rt.close();
  });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`configuration error: ${err.message}\n`);
  else process.stderr.write(`start-up failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
