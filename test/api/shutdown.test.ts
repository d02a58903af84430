// Ctrl-C in a terminal: SIGINT to the whole process group of the server
// (started as `npm start` does, with its embedded redis-server) while a job
// runs. Everything stops within 15 s, in order; the job was handed back with
// a checkpoint, and a second start on the same data dir resumes and
// completes it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIdxPair } from '../helpers/fixtures.js';
import { fileBlob } from '../helpers/service.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const MNIST_CNN = JSON.parse(readFileSync(join(ROOT, 'examples/mnist-cnn.json'), 'utf8'));
const KEY = 'key-shutdown-123456';
/** The bound on a graceful stop. */
const STOP_WITHIN_MS = 15_000;

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

const dataDir = mkdtempSync(join(tmpdir(), 'cnn-shutdown-'));
const children: ChildProcess[] = [];

/** `node src/server.ts` in its own process group, as a terminal runs `npm start`; resolves once the banner shows. */
async function startServer(): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/server.ts')], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, CNN_DATA_DIR: dataDir, CNN_API_KEYS: `t:${KEY}`, PORT: '0', GRPC_PORT: '0', HOST: '127.0.0.1', CNN_DEVICE: 'cpu', CNN_LOG_LEVEL: 'info', REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner after 60 s:\n${out}`)), 60_000);
    const onData = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before its banner:\n${out}`)));
  });
  return { child, url, output: () => out };
}

const call = (s: Started, path: string, init: RequestInit = {}) =>
  fetch(s.url + path, { ...init, headers: { authorization: `Bearer ${KEY}`, ...(init.headers as Record<string, string>) } });

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Log lines (pino JSON) whose msg is one of `msgs`, in the order they were written. */
function logOrder(out: string, msgs: string[]): string[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return (JSON.parse(l) as { msg?: string }).msg ?? '';
      } catch {
        return '';
      }
    })
    .filter((m) => msgs.includes(m));
}

let datasetFiles: { images: string; labels: string };

beforeAll(async () => {
  datasetFiles = await makeIdxPair(join(dataDir, 'fixture'), 1500, { split: 'train' });
}, 60_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(-c.pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Ctrl-C on npm start', () => {
  it('stops worker, servers and the embedded Redis in order within 15 s; the job resumes on the next start', async () => {
    const first = await startServer();
    const form = new FormData();
    form.set('images', fileBlob(readFileSync(datasetFiles.images)));
    form.set('labels', fileBlob(readFileSync(datasetFiles.labels)));
    const ds = (await (await call(first, '/v1/datasets', { method: 'POST', body: form })).json()) as any;
    expect(ds.id, JSON.stringify(ds)).toMatch(/^ds_/);
    const body = { type: 'train', datasetId: ds.id, model: { spec: MNIST_CNN }, training: { epochs: 8, batchSize: 32, seed: 7 } };
    const sub = (await (await call(first, '/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })).json()) as any;
    const id = sub.id as string;
    // Interrupt it mid-epoch, after one epoch is checkpointed.
    await until('one epoch', async () => (((await (await call(first, `/v1/jobs/${id}`)).json()) as any).history?.length >= 1 ? true : undefined));

    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => first.child.once('exit', (code, signal) => r({ code, signal })));
    const t0 = Date.now();
    process.kill(-first.child.pid!, 'SIGINT');
    const { code } = await exited;
    const stopMs = Date.now() - t0;
    expect(code, first.output().slice(-3000)).toBe(0);
    expect(stopMs).toBeLessThan(STOP_WITHIN_MS);
    const out = first.output();
    expect(logOrder(out, ['job handed back to the queue', 'workers stopped', 'servers closed', 'embedded redis-server stopped'])).toEqual([
      'job handed back to the queue',
      'workers stopped',
      'servers closed',
      'embedded redis-server stopped',
    ]);
    expect(out).not.toContain('Unhandled error event');

    const second = await startServer();
    const job = await until(
      'the job to complete',
      async () => {
        const j = (await (await call(second, `/v1/jobs/${id}`)).json()) as any;
        return ['completed', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
      },
      180_000,
    );
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    expect(job.resumedFromEpoch).toBeGreaterThanOrEqual(1);
    expect(job.history.map((h: any) => h.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(job.history.filter((h: any) => h.resumed)).toHaveLength(1);

    const again = new Promise((r) => second.child.once('exit', r));
    process.kill(-second.child.pid!, 'SIGINT');
    await again;
  });
});
