// Original file: proto/cnn/v1/models.proto

import type { Long } from '@grpc/proto-loader';

export interface ExportCheck {
  /**
   * Images compared with the engine, and where they came from (`test`,
   * `train` or `synthetic`).
   */
  'n'?: (number);
  'source'?: (string);
  'maxAbsLogitDiff'?: (number | string);
  'top1Agreement'?: (number | string);
  'bytes'?: (number | string | Long);
  'sha256'?: (string);
}

export interface ExportCheck__Output {
  /**
   * Images compared with the engine, and where they came from (`test`,
   * `train` or `synthetic`).
   */
  'n': (number);
  'source': (string);
  'maxAbsLogitDiff': (number);
  'top1Agreement': (number);
  'bytes': (number);
  'sha256': (string);
}
