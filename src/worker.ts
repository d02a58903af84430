/**
 * `npm run worker`: one worker process (concurrency 1), for one device. Set
 * REDIS_URL to the shared Redis; CUDA_VISIBLE_DEVICES picks the GPU. SIGTERM:
 * the job in hand finishes its step, checkpoints and goes back to the queue.
 */
import { ConfigError } from './config.js';
import { createRuntime, onShutdown, startWorkers } from './runtime.js';

async function main(): Promise<void> {
  const rt = await createRuntime(process.env, { embeddedRedis: false, redisRole: 'worker' });
  const [worker] = await startWorkers(rt, 1);
  onShutdown(rt.log, async () => {
    await worker!.shutdown();
    await rt.close();
  });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`configuration error: ${err.message}\n`);
  else process.stderr.write(`worker start-up failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
