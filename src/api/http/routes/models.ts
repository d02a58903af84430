import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { CnnError } from '../../../errors.js';
import type { ServiceContext } from '../../../service/context.js';
import { deleteModel, getModel, listModels, modelArtifact } from '../../../service/models.js';
import { importFieldsToBody, importModel } from '../../../service/import.js';
import { exportModelOnnx } from '../../../service/export.js';
import { predict } from '../../../service/predict.js';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { saveFilePart } from './upload.js';
import { pageQuery } from './query.js';

export function modelRoutes(ctx: ServiceContext): FastifyPluginAsync {
  return async (app) => {
    app.post('/models/import', async (req, reply) => {
      const saved: string[] = [];
      try {
        const { weightsPath, fields } = await receiveWeights(ctx, req, saved);
        const model = await importModel(ctx, req.tenant, { weightsPath, body: importFieldsToBody(fields) });
        void reply.status(201).header('location', `/v1/models/${model.id}`);
        return model;
      } finally {
        await Promise.all(saved.map((f) => rm(f, { force: true })));
      }
    });
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
    app.get<{ Params: { id: string }; Querystring: { input?: string } }>('/models/:id/onnx', async (req, reply) => {
      const e = await exportModelOnnx(ctx, req.tenant, req.params.id, req.query.input);
      void reply
        .type('application/octet-stream')
        .header('content-disposition', `attachment; filename="${e.filename}"`)
        .header('x-cnn-parity', JSON.stringify({ n: e.check.n, source: e.check.source, maxAbsLogitDiff: e.check.maxAbsLogitDiff, top1Agreement: e.check.top1Agreement }));
      return reply.send(createReadStream(e.path));
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

/** Streams the `weights` file to the uploads dir; text fields are collected. */
async function receiveWeights(ctx: ServiceContext, req: FastifyRequest, saved: string[]): Promise<{ weightsPath: string; fields: Record<string, string> }> {
  if (!req.isMultipart()) throw new CnnError('UPLOAD_MISSING_FILE', 'send multipart/form-data with a `weights` safetensors file and `zoo` or `spec`', 'weights');
  let weightsPath: string | undefined;
  const fields: Record<string, string> = {};
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'weights' || weightsPath) {
        part.file.resume();
        throw new CnnError('VALIDATION_FAILED', 'send one file, named `weights`', part.fieldname);
      }
      const path = await saveFilePart(ctx, part.file, '.safetensors', saved, { used: 0 });
      weightsPath = path;
    } else {
      fields[part.fieldname] = String(part.value);
    }
  }
  if (!weightsPath) throw new CnnError('UPLOAD_MISSING_FILE', 'a `weights` safetensors file is required', 'weights');
  return { weightsPath, fields };
}
