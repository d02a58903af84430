import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/store/catalog.js';
import { JobStates, type JobEvent } from '../../src/store/jobs.js';
import type { JobRecord } from '../../src/store/job-schemas.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let states: JobStates;

beforeAll(async () => {
  redis = await startTestRedis();
  states = new JobStates(new Catalog(redis.client(), 'cnntest'));
});
afterAll(async () => redis?.stop());

function job(id: string, tenant = 't1'): JobRecord {
  return {
    id,
    tenant,
    type: 'evaluate',
    state: 'queued',
    request: { type: 'evaluate', modelId: 'm1', datasetId: 'd1', split: 'test', batchSize: 10, device: 'cpu' },
    createdAt: new Date().toISOString(),
    attempts: 0,
    history: [],
  };
}

describe('job state transitions', () => {
  it('applies allowed transitions, refuses others, keeps JSON exact', async () => {
    await states.create(job('j1'));
    const started = await states.transition('j1', ['queued'], { state: 'running', startedAt: 'x' }, { incrementAttempts: true });
    expect(started.applied).toBe(true);
    expect(started.job.state).toBe('running');
    expect(started.job.attempts).toBe(1);
    expect(started.job.history).toEqual([]); // an empty array stays an array

    const again = await states.transition('j1', ['queued'], { state: 'running' });
    expect(again.applied).toBe(false);
    expect(again.job.state).toBe('running');

    const done = await states.transition('j1', ['running'], { state: 'completed', result: { accuracy: 0.123456789012345, empty: [] }, startedAt: undefined });
    expect(done.applied).toBe(true);
    expect(done.job.result).toEqual({ accuracy: 0.123456789012345, empty: [] });
    expect(done.job.startedAt).toBeUndefined();
    expect(await states.get('j1')).toEqual(done.job);
  });

  it('hides other tenants and lists newest first with filters', async () => {
    await states.create({ ...job('j2'), createdAt: new Date(Date.now() + 1000).toISOString() });
    await states.create(job('j3', 't2'));
    expect(await states.get('j3', 't1')).toBeUndefined();
    expect((await states.get('j3', 't2'))?.id).toBe('j3');
    const page = await states.list('t1', { limit: 10 });
    expect(page.items.map((j) => j.id)).toEqual(['j2', 'j1']);
    const queued = await states.list('t1', { limit: 10, filter: (j) => j.state === 'queued' });
    expect(queued.items.map((j) => j.id)).toEqual(['j2']);
    const first = await states.list('t1', { limit: 1 });
    expect(first.nextCursor).toBeDefined();
    const second = await states.list('t1', { limit: 1, cursor: first.nextCursor });
    expect(second.items.map((j) => j.id)).toEqual(['j1']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('publishes each applied transition on the job channel', async () => {
    await states.create(job('j4'));
    const sub = redis.client();
    const got: JobEvent[] = [];
    await sub.subscribe(states.eventChannel('j4'));
    sub.on('message', (_c, m) => got.push(JSON.parse(m) as JobEvent));
    await states.transition('j4', ['queued'], { state: 'running' });
    await states.transition('j4', ['running'], { progress: { stage: 'train', fraction: 0.5, updatedAt: 'now' } }, { kind: 'progress' });
    await states.transition('j4', ['queued'], { state: 'failed' }); // refused: no event
    await new Promise((r) => setTimeout(r, 100));
    expect(got.map((e) => [e.kind, e.job.state])).toEqual([
      ['state', 'running'],
      ['progress', 'running'],
    ]);
    expect(got[1]!.job.progress?.fraction).toBe(0.5);
  });
});
