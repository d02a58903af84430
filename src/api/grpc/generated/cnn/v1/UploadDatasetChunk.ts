// Original file: proto/cnn/v1/datasets.proto

import type { UploadFile as _cnn_v1_UploadFile, UploadFile__Output as _cnn_v1_UploadFile__Output } from '../../cnn/v1/UploadFile.js';

export interface UploadDatasetChunk {
  'file'?: (_cnn_v1_UploadFile);
  'data'?: (Buffer | Uint8Array | string);
}

export interface UploadDatasetChunk__Output {
  'file': (_cnn_v1_UploadFile__Output);
  'data': (Buffer);
}
