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
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-redis-'));
  const server = await startLocalRedis({ dir, persist: false });
  const clients: Redis[] = [];
  return {
    server,
    url: server.url,
    client() {
      const c = new Redis(server.url, { maxRetriesPerRequest: null });
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
