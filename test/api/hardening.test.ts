// HTTP hardening against the real service: security headers and cache
// policy on every response, 429 RATE_LIMITED with Retry-After for failed
// authentications per address and for a tenant's request rate, no hang when
// the rate-limit store (Redis) is away, stalled sockets cut while an upload
// that keeps streaming is not, and where a dev-key server listens.
import { connect } from 'node:net';
import { request } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { makeIdxPair } from '../helpers/fixtures.js';
import { KEY_B, startTestService, type TestService } from '../helpers/service.js';

const IDLE_MS = 1_000;
const AUTH_FAILURES = 5;
const TENANT_REQUESTS = 40;

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({
    workers: 0,
    env: { CNN_HTTP_IDLE_TIMEOUT_MS: String(IDLE_MS), CNN_AUTH_FAILURES_PER_MINUTE: String(AUTH_FAILURES), CNN_TENANT_REQUESTS_PER_MINUTE: String(TENANT_REQUESTS) },
  });
}, 60_000);

afterAll(async () => {
  await svc?.close();
});

/** A multipart body of an IDX pair, for writing by hand. */
async function idxMultipart(): Promise<{ body: Buffer; boundary: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-hard-'));
  const f = await makeIdxPair(join(dir, 'idx'), 200, { split: 'train' });
  const boundary = 'cnnboundary7d1f';
  const part = (name: string, data: Buffer) =>
    Buffer.concat([Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`), data, Buffer.from('\r\n')]);
  return { boundary, body: Buffer.concat([part('images', readFileSync(f.images)), part('labels', readFileSync(f.labels)), Buffer.from(`--${boundary}--\r\n`)]) };
}

describe('HTTP hardening', () => {
  it('sends security headers on every response and no-store on API JSON', async () => {
    for (const [path, key] of [['/healthz', null], ['/v1/datasets', undefined], ['/v1/nope', undefined], ['/v1/datasets', 'wrong-key-123456']] as const) {
      const res = await svc.call(path, key === undefined ? {} : { key });
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('content-security-policy'), path).toContain("default-src 'self'");
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('content-security-policy'), path).toContain("style-src 'self';");
      expect(res.headers.get('content-security-policy'), path).not.toContain('unsafe-inline');
      expect(res.headers.get('x-frame-options'), path).toBe('SAMEORIGIN');
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
  });

  it('answers 429 RATE_LIMITED with Retry-After once an address has failed authentication too often; a good key still works', async () => {
    const codes: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < AUTH_FAILURES + 3; i++) {
      last = await svc.call('/v1/datasets', { key: `wrong-key-${i}-123456` });
      codes.push(last.status);
    }
    // The test above spent one failure from this address already.
    const allowed = AUTH_FAILURES - 1;
    expect(codes.slice(0, allowed)).toEqual(Array(allowed).fill(401));
    expect(codes.slice(allowed)).toEqual([429, 429, 429, 429]);
    expect(((await last!.json()) as any).error.code).toBe('RATE_LIMITED');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await svc.call('/v1/datasets')).status).toBe(200);
  });

  it("limits a tenant's request rate", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < TENANT_REQUESTS + 5; i++) statuses.push((await svc.call('/v1/zoo', { key: KEY_B })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(TENANT_REQUESTS);
    const res = await svc.call('/v1/zoo', { key: KEY_B });
    expect(res.status).toBe(429);
    expect(((await res.json()) as any).error.code).toBe('RATE_LIMITED');
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('cuts a stalled socket after the idle timeout', async () => {
    const sock = connect((svc.app.server.address() as { port: number }).port, '127.0.0.1');
    const t0 = Date.now();
    await new Promise<void>((resolve) => sock.on('connect', () => resolve()));
    sock.write('POST /v1/datasets HTTP/1.1\r\nHost: x\r\n'); // headers never finish
    await new Promise<void>((resolve) => sock.on('close', () => resolve()));
    const ms = Date.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(IDLE_MS - 100);
    expect(ms).toBeLessThan(IDLE_MS + 3_000);
  });

  it('does not cut an upload that keeps streaming for longer than the idle timeout', async () => {
    const { body, boundary } = await idxMultipart();
    const port = (svc.app.server.address() as { port: number }).port;
    const chunks = 12;
    const size = Math.ceil(body.length / chunks);
    const t0 = Date.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/v1/datasets', headers: { authorization: 'Bearer key-tenant-a-123456', 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      let i = 0;
      const next = () => {
        req.write(body.subarray(i * size, (i + 1) * size));
        if (++i < chunks) setTimeout(next, IDLE_MS / 3);
        else req.end();
      };
      next();
    });
    expect(Date.now() - t0).toBeGreaterThan(2 * IDLE_MS);
    expect(status).toBe(201);
  });

  it('skips rate limiting rather than hang when Redis is away', async () => {
    await svc.redis.kill();
    try {
      const t0 = Date.now();
      const res = await svc.call('/v1/zoo', { signal: AbortSignal.timeout(10_000) });
      expect(res.status).toBe(200);
      expect(Date.now() - t0).toBeLessThan(2_000);
    } finally {
      await svc.redis.restart();
    }
  });
});

describe('where the server listens', () => {
  it('defaults to 127.0.0.1 with a generated dev key, to 0.0.0.0 with configured keys, and HOST wins', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ CNN_API_KEYS: 'a:key-123456789' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});
