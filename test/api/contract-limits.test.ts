// The contract holds for the answers an operator sees under stress too: a
// 429 from the rate limits and a 503 while Redis is down validate against
// the committed openapi.yaml (Ajv, JSON Schema 2020-12), with the codes the
// route declares.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract } from '../helpers/contract.js';
import { startTestService, type TestService } from '../helpers/service.js';

let svc: TestService;
const contract = new Contract();

beforeAll(async () => {
  svc = await startTestService({ workers: 0, persistRedis: true, env: { CNN_AUTH_FAILURES_PER_MINUTE: '3', CNN_TENANT_REQUESTS_PER_MINUTE: '1000' } });
}, 120_000);
afterAll(async () => svc?.close());

async function call(method: string, template: string, path: string, init: RequestInit & { key?: string | null } = {}) {
  const res = await svc.call(path, { method, ...init });
  return { status: res.status, headers: res.headers, body: await contract.check(method, template, res) };
}

describe('limits and outages in the contract', () => {
  it('a failed-authentication 429 carries Retry-After and a declared code', async () => {
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 6; i++) last = await call('GET', '/v1/jobs', '/v1/jobs', { key: 'wrong-key-123456' });
    expect(last!.status).toBe(429);
    expect(last!.body.error.code).toBe('RATE_LIMITED');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('503 QUEUE_UNAVAILABLE and a not-ready /readyz while Redis is down, then recovery', async () => {
    await svc.redis.kill();
    try {
      const job = await call('GET', '/v1/jobs/{id}', '/v1/jobs/job_missing');
      expect(job.status).toBe(503);
      expect(job.body.error.code).toBe('QUEUE_UNAVAILABLE');
      const ready = await call('GET', '/readyz', '/readyz', { key: null });
      expect(ready.status).toBe(503);
      expect(ready.body.redis).toBe(false);
    } finally {
      await svc.redis.restart();
    }
    let status = 0;
    for (let i = 0; i < 50 && status !== 404; i++) {
      status = (await call('GET', '/v1/jobs/{id}', '/v1/jobs/job_missing')).status;
      if (status !== 404) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(404);
  });
});
