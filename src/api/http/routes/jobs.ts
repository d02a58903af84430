import type { FastifyPluginAsync } from 'fastify';
import type { ServiceContext } from '../../../service/context.js';
import { eventPayload } from '../../../service/job-events.js';
import { cancelJob, getJob, listJobs, stopJob, submitJob, type ListJobsQuery } from '../../../service/jobs.js';
import { pageQuery } from './query.js';
import { streamSse } from './sse.js';

export function jobRoutes(ctx: ServiceContext): FastifyPluginAsync {
  return async (app) => {
    app.post('/jobs', async (req, reply) => {
      const key = req.headers['idempotency-key'];
      const { job, created } = await submitJob(ctx, req.tenant, req.body, typeof key === 'string' ? key : undefined);
      // 202: a job was queued; 200: a retry with the same Idempotency-Key, answered with the first job as it is now.
      void reply.status(created ? 202 : 200).header('location', `/v1/jobs/${job.id}`);
      return { id: job.id, state: job.state, created, job };
    });

    app.get('/jobs', async (req) => {
      const q = req.query as Record<string, string | undefined>;
      const page = pageQuery(q);
      return listJobs(ctx, req.tenant, { ...page, state: q.state as ListJobsQuery['state'], type: q.type as ListJobsQuery['type'] });
    });

    app.get<{ Params: { id: string } }>('/jobs/:id', async (req) => getJob(ctx, req.tenant, req.params.id));

    app.post<{ Params: { id: string } }>('/jobs/:id/cancel', async (req) => cancelJob(ctx, req.tenant, req.params.id));

    app.post<{ Params: { id: string } }>('/jobs/:id/stop', async (req) => stopJob(ctx, req.tenant, req.params.id));

    app.get<{ Params: { id: string } }>('/jobs/:id/events', async (req, reply) => {
      // Resolve first so an unknown id answers 404 as JSON, not an empty stream.
      await getJob(ctx, req.tenant, req.params.id);
      await streamSse(req, reply, async (send, signal) => {
        await ctx.events.watch(req.tenant, req.params.id, (e) => send(e.kind, eventPayload(e)), signal);
        if (!signal.aborted) send('end', {}, { id: false });
      });
    });
  };
}
