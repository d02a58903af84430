// Original file: proto/cnn/v1/datasets.proto

import type { DatasetKind as _cnn_v1_DatasetKind, DatasetKind__Output as _cnn_v1_DatasetKind__Output } from '../../cnn/v1/DatasetKind.js';

export interface UploadDatasetHeader {
  /**
   * Optional display name; defaults to the id.
   */
  'name'?: (string);
  /**
   * ARCHIVE: only UPLOAD_FILE_ARCHIVE chunks; IDX: IMAGES + LABELS
   * (+ TEST_IMAGES + TEST_LABELS). UNSPECIFIED: judged from the files sent.
   */
  'kind'?: (_cnn_v1_DatasetKind);
  /**
   * IDX only: the name of each label, in label order (at least 2).
   */
  'classNames'?: (string)[];
}

export interface UploadDatasetHeader__Output {
  /**
   * Optional display name; defaults to the id.
   */
  'name': (string);
  /**
   * ARCHIVE: only UPLOAD_FILE_ARCHIVE chunks; IDX: IMAGES + LABELS
   * (+ TEST_IMAGES + TEST_LABELS). UNSPECIFIED: judged from the files sent.
   */
  'kind': (_cnn_v1_DatasetKind__Output);
  /**
   * IDX only: the name of each label, in label order (at least 2).
   */
  'classNames': (string)[];
}
