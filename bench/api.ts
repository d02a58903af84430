// npm run bench:api [-- --seconds 10 --connections 20]
//
// Requests/s for GET /v1/jobs/:id (authenticated, read from Redis) under a
// local load generator (autocannon), against a reference measured in the same
// run: a bare Fastify route answering a constant, on the same machine.
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { startTestService, KEY_A } from '../test/helpers/service.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '20' } } });
const DURATION_S = Number(args.seconds);
const CONNECTIONS = Number(args.connections);

async function load(url: string, headers: Record<string, string> = {}): Promise<{ rps: number; p50: number; p99: number; non2xx: number }> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx };
}

const svc = await startTestService({ workers: 0 });
try {
  // A finished job with a ten-epoch history: a realistic record to read.
  await svc.rt.ctx.jobs.create({
    id: 'job_bench',
    tenant: 'a',
    type: 'evaluate',
    state: 'completed',
    request: { type: 'evaluate', modelId: 'mdl_x', datasetId: 'ds_x', split: 'test', batchSize: 256, device: 'auto' },
    createdAt: new Date().toISOString(),
    attempts: 1,
    history: Array.from({ length: 10 }, (_, i) => ({ epoch: i + 1, loss: 0.3, accuracy: 0.9, valLoss: 0.3, valAccuracy: 0.9, lr: 0.001, seconds: 10, imagesPerSec: 1000 })),
  });
  const jobPath = '/v1/jobs/job_bench';
  const ours = await load(svc.url + jobPath, { authorization: `Bearer ${KEY_A}` });

  const bare = Fastify();
  bare.get('/ping', async () => ({ ok: true }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const ref = await load(`http://127.0.0.1:${(bare.server.address() as { port: number }).port}/ping`);
  await bare.close();

  console.log(`GET ${jobPath.replace(/job_\w+/, ':id')} (auth + Redis read): ${ours.rps.toFixed(0)} req/s, p50 ${ours.p50} ms, p99 ${ours.p99} ms, non-2xx ${ours.non2xx}`);
  console.log(`reference: bare Fastify constant route:  ${ref.rps.toFixed(0)} req/s, p50 ${ref.p50} ms, p99 ${ref.p99} ms`);
  console.log(`ratio ours/bare: ${(ours.rps / ref.rps).toFixed(2)} (${CONNECTIONS} connections, ${DURATION_S} s each, same machine)`);
} finally {
  await svc.close();
}
