import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { CnnError } from '../../../errors.js';
import type { ServiceContext } from '../../../service/context.js';
import { deleteModel, getModel, listModels, modelArtifact } from '../../../service/models.js';
import { predict } from '../../../service/predict.js';
import { pageQuery } from './query.js';

export function modelRoutes(ctx: ServiceContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/models', async (req) => listModels(ctx, req.tenant, pageQuery(req.query as Record<string, string | undefined>)));
    app.get<{ Params: { id: string } }>('/models/:id', async (req) => getModel(ctx, req.tenant, req.params.id));
    app.delete<{ Params: { id: string } }>('/models/:id', async (req, reply) => {
      await deleteModel(ctx, req.tenant, req.params.id);
      void reply.status(204);
    });
    app.get<{ Params: { id: string } }>('/models/:id/artifact', async (req, reply) => {
      const { stream, filename } = await modelArtifact(ctx, req.tenant, req.params.id);
      void reply.type('application/x-tar').header('content-disposition', `attachment; filename="${filename}"`);
      return reply.send(stream);
    });
    app.post<{ Params: { id: string } }>('/models/:id/predict', async (req) => {
      const { images, topK } = await receiveImages(ctx, req);
      return predict(ctx, req.tenant, req.params.id, images, topK);
    });
  };
}

/** Images for prediction are small; each part is buffered, with the upload limit on the total. */
async function receiveImages(ctx: ServiceContext, req: FastifyRequest): Promise<{ images: { name: string; data: Buffer }[]; topK?: string }> {
  if (!req.isMultipart()) throw new CnnError('PREDICT_BAD_IMAGE', 'send multipart/form-data with one or more `image` files');
  const images: { name: string; data: Buffer }[] = [];
  let topK: string | undefined;
  let total = 0;
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      if (images.length >= ctx.config.limits.maxPredictImages) {
        part.file.resume();
        throw new CnnError('PREDICT_TOO_MANY_IMAGES', `at most ${ctx.config.limits.maxPredictImages} images per request (CNN_MAX_PREDICT_IMAGES)`, 'image');
      }
      const data = await part.toBuffer();
      total += data.length;
      if (total > ctx.config.limits.maxUploadBytes) throw new CnnError('UPLOAD_TOO_LARGE', 'images exceed the upload limit', 'image');
      images.push({ name: part.filename || `image${images.length}`, data });
    } else if (part.fieldname === 'topK') {
      topK = String(part.value);
    }
  }
  return { images, ...(topK !== undefined ? { topK } : {}) };
}
