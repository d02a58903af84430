/** cnn.v1.Jobs: submit, read, list, cancel, and watch a job's events. */
import { cancelJob, getJob, listJobs, stopJob, submitJob, type ListJobsQuery } from '../../../service/jobs.js';
import type { CallKit } from '../calls.js';
import { jobEventMessage, jobMessage, jobStateFromProto } from '../convert.js';
import type { JobsHandlers } from '../generated/cnn/v1/Jobs.js';
import { pageOf, parseJsonField, withFieldNames } from '../fields.js';

export function jobsService(kit: CallKit): JobsHandlers {
  const { ctx } = kit;
  return {
    SubmitJob: kit.unary('SubmitJob', async (req, { tenant }) => {
      // Errors inside the request name the field within it (`model.spec.layers[2]…`), as REST's body errors do.
      const body = parseJsonField(req.requestJson, 'request_json');
      const { job, created } = await withFieldNames({ 'Idempotency-Key': 'idempotency_key' }, () =>
        submitJob(ctx, tenant, body, req.idempotencyKey === '' ? undefined : req.idempotencyKey),
      );
      return { job: jobMessage(job), created };
    }),

    GetJob: kit.unary('GetJob', async (req, { tenant }) => jobMessage(await getJob(ctx, tenant, req.id))),

    ListJobs: kit.unary('ListJobs', async (req, { tenant }) => {
      const state = jobStateFromProto(req.state);
      // An unknown type matches no job, as over REST.
      const type = req.type === '' ? undefined : (req.type as ListJobsQuery['type']);
      const page = await listJobs(ctx, tenant, { ...pageOf(req), ...(state ? { state } : {}), ...(type ? { type } : {}) });
      return { items: page.items.map(jobMessage), nextCursor: page.nextCursor ?? '', total: page.total };
    }),

    CancelJob: kit.unary('CancelJob', async (req, { tenant }) => jobMessage(await cancelJob(ctx, tenant, req.id))),

    StopJob: kit.unary('StopJob', async (req, { tenant }) => jobMessage(await stopJob(ctx, tenant, req.id))),

    WatchJob: kit.serverStream('WatchJob', async (call, { tenant, signal }) => {
      await ctx.events.watch(
        tenant,
        call.request.id,
        (e) => {
          if (!call.cancelled) call.write(jobEventMessage(e));
        },
        signal,
      );
    }),
  };
}
