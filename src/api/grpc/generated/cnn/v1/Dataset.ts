// Original file: proto/cnn/v1/datasets.proto

import type { DatasetKind as _cnn_v1_DatasetKind, DatasetKind__Output as _cnn_v1_DatasetKind__Output } from '../../cnn/v1/DatasetKind.js';
import type { Long } from '@grpc/proto-loader';

export interface Dataset {
  'id'?: (string);
  'name'?: (string);
  'format'?: (_cnn_v1_DatasetKind);
  /**
   * Label i is classes[i].
   */
  'classes'?: (string)[];
  /**
   * Valid images per class.
   */
  'trainCounts'?: (number | string | Long)[];
  /**
   * Empty when the upload had no test split.
   */
  'testCounts'?: (number | string | Long)[];
  'total'?: (number | string | Long);
  'skippedCount'?: (number | string | Long);
  /**
   * RFC 3339.
   */
  'createdAt'?: (string);
  /**
   * The whole record as GET /v1/datasets/{id} returns it (image statistics,
   * skipped files with reasons, ...), as JSON text.
   */
  'recordJson'?: (string);
  /**
   * The pre-flight report (the record's `preflight`: findings with severity,
   * code and files; counts, duplicates, geometry) as JSON text; empty for
   * datasets ingested before the checks existed.
   */
  'preflightJson'?: (string);
}

export interface Dataset__Output {
  'id': (string);
  'name': (string);
  'format': (_cnn_v1_DatasetKind__Output);
  /**
   * Label i is classes[i].
   */
  'classes': (string)[];
  /**
   * Valid images per class.
   */
  'trainCounts': (number)[];
  /**
   * Empty when the upload had no test split.
   */
  'testCounts': (number)[];
  'total': (number);
  'skippedCount': (number);
  /**
   * RFC 3339.
   */
  'createdAt': (string);
  /**
   * The whole record as GET /v1/datasets/{id} returns it (image statistics,
   * skipped files with reasons, ...), as JSON text.
   */
  'recordJson': (string);
  /**
   * The pre-flight report (the record's `preflight`: findings with severity,
   * code and files; counts, duplicates, geometry) as JSON text; empty for
   * datasets ingested before the checks existed.
   */
  'preflightJson': (string);
}
