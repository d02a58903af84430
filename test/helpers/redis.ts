// A private redis-server per test file, on a free port, so tests never touch
// shared state and may kill or restart it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startLocalRedis, type LocalRedis } from '../../src/store/redis-server.js';

export interface TestRedis {
  server: LocalRedis;
  url: string;
  client(): Redis;
  /** SIGKILL the server (an outage); `restart()` brings it back on the same port and data dir. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** @param opts.persist AOF on, so a killed and restarted server keeps its data. */
export async function startTestRedis(opts: { persist?: boolean } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-redis-'));
  const persist = opts.persist ?? false;
  let server = await startLocalRedis({ dir, persist });
  const clients: Redis[] = [];
  return {
    get server() {
      return server;
    },
    url: server.url,
    async kill() {
      const exited = new Promise((r) => server.process.once('exit', r));
      server.process.kill('SIGKILL');
      await exited;
    },
    async restart() {
      server = await startLocalRedis({ dir, persist, port: server.port });
    },
    client() {
      const c = new Redis(server.url, { maxRetriesPerRequest: null });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
