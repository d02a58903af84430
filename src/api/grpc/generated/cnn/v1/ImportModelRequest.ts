// Original file: proto/cnn/v1/models.proto

import type { ImportModelHeader as _cnn_v1_ImportModelHeader, ImportModelHeader__Output as _cnn_v1_ImportModelHeader__Output } from '../../cnn/v1/ImportModelHeader.js';

export interface ImportModelRequest {
  'header'?: (_cnn_v1_ImportModelHeader | null);
  /**
   * The next piece of weights.safetensors.
   */
  'weightsChunk'?: (Buffer | Uint8Array | string);
  'part'?: "header"|"weightsChunk";
}

export interface ImportModelRequest__Output {
  'header'?: (_cnn_v1_ImportModelHeader__Output | null);
  /**
   * The next piece of weights.safetensors.
   */
  'weightsChunk'?: (Buffer);
  'part'?: "header"|"weightsChunk";
}
