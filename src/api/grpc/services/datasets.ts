/** cnn.v1.Datasets: streaming upload, read, list, delete. */
import { CnnError } from '../../../errors.js';
import { createDataset, deleteDataset, getDataset, listDatasets, type UPLOAD_FILE_FIELDS } from '../../../service/datasets.js';
import { messages, type CallKit } from '../calls.js';
import { datasetMessage } from '../convert.js';
import type { DatasetsHandlers } from '../generated/cnn/v1/Datasets.js';
import type { UploadDatasetHeader__Output } from '../generated/cnn/v1/UploadDatasetHeader.js';
import type { UploadFile__Output } from '../generated/cnn/v1/UploadFile.js';
import { pageOf } from '../fields.js';
import { ChunkedFiles } from '../uploads.js';

type Field = (typeof UPLOAD_FILE_FIELDS)[number];

const FIELD_OF: Record<UploadFile__Output, Field | undefined> = {
  UPLOAD_FILE_UNSPECIFIED: undefined,
  UPLOAD_FILE_ARCHIVE: 'archive',
  UPLOAD_FILE_IMAGES: 'images',
  UPLOAD_FILE_LABELS: 'labels',
  UPLOAD_FILE_TEST_IMAGES: 'testImages',
  UPLOAD_FILE_TEST_LABELS: 'testLabels',
};

/** Refuses a chunk whose file does not fit the header's kind, before any byte of it is written. */
function checkKind(header: UploadDatasetHeader__Output, field: Field): void {
  if (header.kind === 'DATASET_KIND_ARCHIVE' && field !== 'archive') {
    throw new CnnError('VALIDATION_FAILED', `an archive upload takes only UPLOAD_FILE_ARCHIVE chunks, not '${field}'`, 'chunk.file');
  }
  if (header.kind === 'DATASET_KIND_IDX' && field === 'archive') {
    throw new CnnError('VALIDATION_FAILED', 'an IDX upload takes IMAGES, LABELS, TEST_IMAGES and TEST_LABELS chunks, not ARCHIVE', 'chunk.file');
  }
}

export function datasetsService(kit: CallKit): DatasetsHandlers {
  const { ctx } = kit;
  return {
    UploadDataset: kit.clientStream('UploadDataset', async (call, { tenant, signal }) => {
      const files = new ChunkedFiles<Field>(ctx);
      try {
        let header: UploadDatasetHeader__Output | undefined;
        for await (const msg of messages(call, signal)) {
          if (msg.header) {
            if (header) throw new CnnError('VALIDATION_FAILED', 'send the header once, as the first message', 'header');
            header = msg.header;
          } else if (msg.chunk) {
            if (!header) throw new CnnError('VALIDATION_FAILED', 'the first message must be the header', 'header');
            const field = FIELD_OF[msg.chunk.file];
            if (!field) throw new CnnError('VALIDATION_FAILED', 'each chunk must name its file (UPLOAD_FILE_ARCHIVE, _IMAGES, _LABELS, _TEST_IMAGES, _TEST_LABELS)', 'chunk.file');
            checkKind(header, field);
            await files.append(field, msg.chunk.data);
          }
        }
        if (!header) throw new CnnError('UPLOAD_MISSING_FILE', 'send a header, then the file chunks', 'header');
        const paths = await files.close();
        const fields: Record<string, string> = {};
        if (header.name !== '') fields.name = header.name;
        if (header.classNames.length > 0) fields.classNames = JSON.stringify(header.classNames);
        return datasetMessage(await createDataset(ctx, tenant, { files: paths, fields }));
      } finally {
        await files.discard();
      }
    }),

    GetDataset: kit.unary('GetDataset', async (req, { tenant }) => datasetMessage(await getDataset(ctx, tenant, req.id))),

    ListDatasets: kit.unary('ListDatasets', async (req, { tenant }) => {
      const page = await listDatasets(ctx, tenant, pageOf(req));
      return { items: page.items.map(datasetMessage), nextCursor: page.nextCursor ?? '', total: page.total };
    }),

    DeleteDataset: kit.unary('DeleteDataset', async (req, { tenant }) => {
      await deleteDataset(ctx, tenant, req.id);
      return {};
    }),
  };
}
