import type { FastifyPluginAsync } from 'fastify';
import { CnnError } from '../../../errors.js';
import type { ServiceContext } from '../../../service/context.js';
import { closeTenantEvents, parseStreamJobs, streamTenantEvents } from '../../../service/event-stream.js';
import { modelActivations, modelFilters } from '../../../service/inside.js';
import { getJob } from '../../../service/jobs.js';
import { datasetSamples, jobCalibration, jobSamples } from '../../../service/samples.js';
import { streamSse } from './sse.js';

type Q = Record<string, string | undefined>;

/** The routes the dashboard needs beyond the job, dataset and model CRUD: one event stream per tab, images, feature maps. */
export function dashboardRoutes(ctx: ServiceContext): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onClose', async () => closeTenantEvents(ctx));

    app.get('/events', async (req, reply) => {
      const ids = parseStreamJobs((req.query as Q).jobs);
      // Resolve first so an unknown id answers 404 as JSON, not an empty stream.
      if (ids) for (const id of ids) await getJob(ctx, req.tenant, id);
      await streamSse(req, reply, (send, signal) => streamTenantEvents(ctx, req.tenant, ids, (e) => send(e.kind, e.data), signal), { greeting: true });
    });

    app.get<{ Params: { id: string } }>('/jobs/:id/samples', async (req) => jobSamples(ctx, req.tenant, req.params.id, req.query as Q));
    app.get<{ Params: { id: string } }>('/jobs/:id/calibration', async (req) => jobCalibration(ctx, req.tenant, req.params.id));
    app.get<{ Params: { id: string } }>('/datasets/:id/samples', async (req) => datasetSamples(ctx, req.tenant, req.params.id, req.query as Q));
    app.get<{ Params: { id: string } }>('/models/:id/filters', async (req) => modelFilters(ctx, req.tenant, req.params.id, (req.query as Q).layer));

    app.post<{ Params: { id: string } }>('/models/:id/activations', async (req) => {
      if (!req.isMultipart()) throw new CnnError('PREDICT_BAD_IMAGE', 'send multipart/form-data with one `image` file', 'image');
      let image: Buffer | undefined;
      const fields: Q = {};
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          if (image) {
            part.file.resume();
            throw new CnnError('VALIDATION_FAILED', 'send one file, named `image`', part.fieldname);
          }
          image = await part.toBuffer();
        } else {
          fields[part.fieldname] = String(part.value);
        }
      }
      return modelActivations(ctx, req.tenant, req.params.id, image, { layers: fields.layers ?? (req.query as Q).layers, maxMaps: fields.maxMaps ?? (req.query as Q).maxMaps });
    });
  };
}
