/**
 * `npm run worker`: one worker process (concurrency 1), for one device. Set
 * REDIS_URL to the shared Redis; CUDA_VISIBLE_DEVICES picks the GPU. SIGTERM:
 * the job in hand finishes its step, checkpoints and goes back to the queue.
 */
import { createServer, type Server } from 'node:http';
import { ConfigError } from './config.js';
import { registry } from './metrics/index.js';
import { createRuntime, onShutdown, startWorkers } from './runtime.js';

const WORKER_SHUTDOWN_DEADLINE_MS = 110_000;

async function main(): Promise<void> {
  const rt = await createRuntime(process.env, { embeddedRedis: false, redisRole: 'worker' });
  const [worker] = await startWorkers(rt, 1);
  const metrics = rt.config.metrics && rt.config.workerMetricsPort !== undefined ? await serveMetrics(rt.config.host, rt.config.workerMetricsPort) : undefined;
  if (metrics) rt.log.info({ port: (metrics.address() as { port: number }).port }, 'worker metrics at /metrics');
  onShutdown(rt.log, async () => {
    await worker!.shutdown();
    metrics?.close();
    await rt.close();
    // A large model's checkpoint may take a while; compose gives a worker 2 minutes.
  }, WORKER_SHUTDOWN_DEADLINE_MS);
}

/** This worker's own /metrics (Prometheus text format); nothing else is served there. */
async function serveMetrics(host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return server;
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`configuration error: ${err.message}\n`);
  else process.stderr.write(`worker start-up failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
