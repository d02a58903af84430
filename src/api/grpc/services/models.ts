/** cnn.v1.Models: read, list, delete, predict, import, download the artifact, export ONNX. */
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { CnnError } from '../../../errors.js';
import { deleteModel, getModel, listModels, modelArtifact } from '../../../service/models.js';
import { exportModelOnnx } from '../../../service/export.js';
import { importModel, ImportRequestSchema } from '../../../service/import.js';
import { predict } from '../../../service/predict.js';
import { parseOrThrow } from '../../../service/validate.js';
import { messages, type CallKit } from '../calls.js';
import { modelMessage, predictMessage } from '../convert.js';
import { pageOf, parseJsonField, withFieldNames } from '../fields.js';
import type { ModelsHandlers } from '../generated/cnn/v1/Models.js';
import type { ImportModelHeader__Output } from '../generated/cnn/v1/ImportModelHeader.js';
import { ChunkedFiles } from '../uploads.js';

/** ONNX files go out in chunks well under the 4 MiB message limit. */
const EXPORT_CHUNK_BYTES = 1 << 20;

/** Import errors name REST's fields; these are the header's (and the chunks') names for them. */
const IMPORT_FIELD_NAMES = {
  spec: 'spec_json',
  numClasses: 'num_classes',
  inputShape: 'input_shape',
  classNames: 'class_names',
  weights: 'weights_chunk',
};

/** The header as the import use case's request: unset proto fields (empty, 0) are left out. */
function importBody(h: ImportModelHeader__Output): Record<string, unknown> {
  return {
    ...(h.name !== '' ? { name: h.name } : {}),
    ...(h.zoo !== '' ? { zoo: h.zoo } : {}),
    ...(h.specJson !== '' ? { spec: parseJsonField(h.specJson, 'spec_json', 'SPEC_INVALID') } : {}),
    ...(h.numClasses !== 0 ? { numClasses: h.numClasses } : {}),
    ...(h.inputShape.length > 0 ? { inputShape: h.inputShape } : {}),
    ...(h.classNames.length > 0 ? { classNames: h.classNames } : {}),
    ...(h.mean.length > 0 ? { mean: h.mean } : {}),
    ...(h.std.length > 0 ? { std: h.std } : {}),
    ...(h.resize !== '' ? { resize: h.resize } : {}),
  };
}

export function modelsService(kit: CallKit): ModelsHandlers {
  const { ctx } = kit;
  return {
    GetModel: kit.unary('GetModel', async (req, { tenant }) => modelMessage(await getModel(ctx, tenant, req.id))),

    ListModels: kit.unary('ListModels', async (req, { tenant }) => {
      const page = await listModels(ctx, tenant, pageOf(req));
      return { items: page.items.map(modelMessage), nextCursor: page.nextCursor ?? '', total: page.total };
    }),

    DeleteModel: kit.unary('DeleteModel', async (req, { tenant }) => {
      await deleteModel(ctx, tenant, req.id);
      return {};
    }),

    Predict: kit.unary('Predict', async (req, { tenant }) => {
      const max = ctx.config.limits.maxPredictImages;
      if (req.images.length > max) throw new CnnError('PREDICT_TOO_MANY_IMAGES', `at most ${max} images per request (CNN_MAX_PREDICT_IMAGES)`, 'images');
      if (req.imageNames.length > 0 && req.imageNames.length !== req.images.length) {
        throw new CnnError('VALIDATION_FAILED', `image_names has ${req.imageNames.length} names for ${req.images.length} images; send one per image or none`, 'image_names');
      }
      const images = req.images.map((data, i) => ({ name: req.imageNames[i] || `image${i}`, data }));
      const result = await withFieldNames({ id: 'model_id', image: 'images', topK: 'top_k' }, () =>
        predict(ctx, tenant, req.modelId, images, req.topK === 0 ? undefined : String(req.topK)),
      );
      return predictMessage(result);
    }),

    ImportModel: kit.clientStream('ImportModel', async (call, { tenant, signal }) => {
      const weights = new ChunkedFiles<'weights'>(ctx, '.safetensors');
      try {
        let body: Record<string, unknown> | undefined;
        for await (const msg of messages(call, signal)) {
          if (msg.header) {
            if (body) throw new CnnError('VALIDATION_FAILED', 'send the header once, as the first message', 'header');
            body = importBody(msg.header);
            // Refuse a bad header now, not after the whole weights file has arrived.
            await withFieldNames(IMPORT_FIELD_NAMES, async () => parseOrThrow(ImportRequestSchema, body));
          } else if (msg.weightsChunk) {
            if (!body) throw new CnnError('VALIDATION_FAILED', 'the first message must be the header', 'header');
            await weights.append('weights', msg.weightsChunk);
          }
        }
        if (!body) throw new CnnError('UPLOAD_MISSING_FILE', 'send a header, then the weights in chunks', 'header');
        const { weights: weightsPath } = await weights.close();
        if (!weightsPath) throw new CnnError('UPLOAD_MISSING_FILE', 'send the weights (safetensors) as weights_chunk messages after the header', 'weights_chunk');
        const b = body;
        return modelMessage(await withFieldNames(IMPORT_FIELD_NAMES, () => importModel(ctx, tenant, { weightsPath, body: b })));
      } finally {
        await weights.discard();
      }
    }),

    ExportModel: kit.serverStream('ExportModel', async (call, { tenant, signal }) => {
      const e = await exportModelOnnx(ctx, tenant, call.request.modelId, call.request.input || undefined, 'model_id');
      const stream = createReadStream(e.path, { highWaterMark: EXPORT_CHUNK_BYTES });
      try {
        let first = true;
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          const c = e.check;
          const head = first
            ? { filename: e.filename, check: { n: c.n, source: c.source, maxAbsLogitDiff: c.maxAbsLogitDiff, top1Agreement: c.top1Agreement, bytes: c.bytes, sha256: c.sha256 } }
            : {};
          const more = call.write({ ...head, data: chunk });
          first = false;
          if (!more) await once(call, 'drain', { signal });
        }
      } finally {
        stream.destroy();
      }
    }),
    DownloadModelArtifact: kit.serverStream('DownloadModelArtifact', async (call, { tenant, signal }) => {
      const { stream, filename } = await modelArtifact(ctx, tenant, call.request.id);
      try {
        let first = true;
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          const more = call.write({ filename: first ? filename : '', data: chunk });
          first = false;
          if (!more) await once(call, 'drain', { signal });
        }
      } finally {
        stream.destroy();
      }
    }),
  };
}
