// Original file: proto/cnn/v1/datasets.proto

import type { UploadDatasetHeader as _cnn_v1_UploadDatasetHeader, UploadDatasetHeader__Output as _cnn_v1_UploadDatasetHeader__Output } from '../../cnn/v1/UploadDatasetHeader.js';
import type { UploadDatasetChunk as _cnn_v1_UploadDatasetChunk, UploadDatasetChunk__Output as _cnn_v1_UploadDatasetChunk__Output } from '../../cnn/v1/UploadDatasetChunk.js';

export interface UploadDatasetRequest {
  'header'?: (_cnn_v1_UploadDatasetHeader | null);
  'chunk'?: (_cnn_v1_UploadDatasetChunk | null);
  'part'?: "header"|"chunk";
}

export interface UploadDatasetRequest__Output {
  'header'?: (_cnn_v1_UploadDatasetHeader__Output | null);
  'chunk'?: (_cnn_v1_UploadDatasetChunk__Output | null);
  'part'?: "header"|"chunk";
}
