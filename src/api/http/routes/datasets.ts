import { rm } from 'node:fs/promises';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { CnnError } from '../../../errors.js';
import type { ServiceContext } from '../../../service/context.js';
import { createDataset, deleteDataset, getDataset, listDatasets, UPLOAD_FILE_FIELDS, type DatasetUpload } from '../../../service/datasets.js';
import { pageQuery } from './query.js';
import { saveFilePart } from './upload.js';

export function datasetRoutes(ctx: ServiceContext): FastifyPluginAsync {
  return async (app) => {
    app.post('/datasets', async (req, reply) => {
      const saved: string[] = [];
      try {
        const upload = await receiveUpload(ctx, req, saved);
        const dataset = await createDataset(ctx, req.tenant, upload);
        void reply.status(201).header('location', `/v1/datasets/${dataset.id}`);
        return dataset;
      } finally {
        await Promise.all(saved.map((f) => rm(f, { force: true })));
      }
    });

    app.get('/datasets', async (req) => listDatasets(ctx, req.tenant, pageQuery(req.query as Record<string, string | undefined>)));
    app.get<{ Params: { id: string } }>('/datasets/:id', async (req) => getDataset(ctx, req.tenant, req.params.id));
    app.delete<{ Params: { id: string } }>('/datasets/:id', async (req, reply) => {
      await deleteDataset(ctx, req.tenant, req.params.id);
      void reply.status(204);
    });
  };
}

/**
 * Streams each file part to the uploads dir (saveFilePart) and collects the
 * text fields.
 */
async function receiveUpload(ctx: ServiceContext, req: FastifyRequest, saved: string[]): Promise<DatasetUpload> {
  if (!req.isMultipart()) throw new CnnError('UPLOAD_MISSING_FILE', 'send multipart/form-data with an `archive` file, or `images` and `labels` IDX files');
  const budget = { used: 0 };
  const files: Partial<Record<(typeof UPLOAD_FILE_FIELDS)[number], string>> = {};
  const fields: Record<string, string> = {};
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      const field = part.fieldname as (typeof UPLOAD_FILE_FIELDS)[number];
      if (!UPLOAD_FILE_FIELDS.includes(field)) {
        part.file.resume();
        throw new CnnError('VALIDATION_FAILED', `unexpected file field '${part.fieldname}'; expected one of ${UPLOAD_FILE_FIELDS.join(', ')}`, part.fieldname);
      }
      if (files[field]) throw new CnnError('VALIDATION_FAILED', `file field '${field}' given twice`, field);
      const path = await saveFilePart(ctx, part.file, '.upload', saved, budget);
      files[field] = path;
    } else {
      fields[part.fieldname] = String(part.value);
    }
  }
  return { files, fields };
}
