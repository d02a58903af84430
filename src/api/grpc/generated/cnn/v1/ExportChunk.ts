// Original file: proto/cnn/v1/models.proto

import type { ExportCheck as _cnn_v1_ExportCheck, ExportCheck__Output as _cnn_v1_ExportCheck__Output } from '../../cnn/v1/ExportCheck.js';

export interface ExportChunk {
  /**
   * Set on the first chunk: the suggested file name and the check.
   */
  'filename'?: (string);
  'check'?: (_cnn_v1_ExportCheck | null);
  'data'?: (Buffer | Uint8Array | string);
}

export interface ExportChunk__Output {
  /**
   * Set on the first chunk: the suggested file name and the check.
   */
  'filename': (string);
  'check': (_cnn_v1_ExportCheck__Output | null);
  'data': (Buffer);
}
