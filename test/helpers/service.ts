// The whole service in one test process: a private redis-server, a temp data
// dir, the REST API on a free port, optionally the gRPC API on another, and
// (optionally) in-process workers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { startGrpcServer, type GrpcServerOptions, type RunningGrpcServer } from '../../src/api/grpc/server.js';
import { buildHttpApp } from '../../src/api/http/app.js';
import type { RunningWorker } from '../../src/jobs/runner.js';
import { createRuntime, startWorkers, type Runtime } from '../../src/runtime.js';
import { startTestRedis, type TestRedis } from './redis.js';

export const KEY_A = 'key-tenant-a-123456';
export const KEY_B = 'key-tenant-b-123456';

export interface TestService {
  url: string;
  dataDir: string;
  redis: TestRedis;
  rt: Runtime;
  app: FastifyInstance;
  /** Set when started with `grpc`. */
  grpc?: RunningGrpcServer;
  /** `127.0.0.1:<port>` of the gRPC API, when started with `grpc`. */
  grpcTarget?: string;
  workers: RunningWorker[];
  env: Record<string, string>;
  /** fetch with tenant A's key (or `key: null` for none). */
  call(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  workers?: number;
  env?: Record<string, string>;
  /** Also start the gRPC API (true, or server options such as a short default deadline). */
  grpc?: boolean | Partial<Omit<GrpcServerOptions, 'host' | 'port'>>;
  /** Redis with AOF on, for tests that kill and restart it. */
  persistRedis?: boolean;
}

export async function startTestService(opts: TestServiceOptions = {}): Promise<TestService> {
  const redis = await startTestRedis({ persist: opts.persistRedis ?? false });
  const dataDir = mkdtempSync(join(tmpdir(), 'cnn-data-'));
  const env = {
    REDIS_URL: redis.url,
    CNN_DATA_DIR: dataDir,
    CNN_API_KEYS: `a:${KEY_A},b:${KEY_B}`,
    CNN_LOG_LEVEL: 'warn',
    CNN_DEVICE: 'cpu',
    CNN_QUEUE_PREFIX: 'cnntest',
    ...opts.env,
  };
  const rt = await createRuntime(env, { embeddedRedis: false });
  const app = await buildHttpApp(rt.ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const grpc = opts.grpc ? await startGrpcServer(rt.ctx, { ...(opts.grpc === true ? {} : opts.grpc), host: '127.0.0.1', port: 0 }) : undefined;
  const workers = await startWorkers(rt, opts.workers ?? 1);
  return {
    url,
    dataDir,
    redis,
    rt,
    app,
    ...(grpc ? { grpc, grpcTarget: `127.0.0.1:${grpc.port}` } : {}),
    workers,
    env,
    call(path, init = {}) {
      const { key = KEY_A, headers, ...rest } = init;
      const h = new Headers(headers);
      if (key !== null) h.set('authorization', `Bearer ${key}`);
      return fetch(url + path, { ...rest, headers: h });
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await grpc?.close();
      await app.close();
      await rt.close();
      await redis.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls a job until it is final. */
export async function waitForJob(svc: TestService, id: string, timeoutMs = 240_000, key = KEY_A): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await svc.call(`/v1/jobs/${id}`, { key });
    const job = (await r.json()) as Record<string, any>;
    if (['completed', 'failed', 'cancelled'].includes(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

export function fileBlob(data: Uint8Array, type = 'application/octet-stream'): Blob {
  return new Blob([new Uint8Array(data)], { type });
}
