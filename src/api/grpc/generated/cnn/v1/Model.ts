// Original file: proto/cnn/v1/models.proto

import type { Preprocessing as _cnn_v1_Preprocessing, Preprocessing__Output as _cnn_v1_Preprocessing__Output } from '../../cnn/v1/Preprocessing.js';
import type { ParamCounts as _cnn_v1_ParamCounts, ParamCounts__Output as _cnn_v1_ParamCounts__Output } from '../../cnn/v1/ParamCounts.js';

export interface Model {
  'id'?: (string);
  'name'?: (string);
  /**
   * The job that produced it; empty for an imported model.
   */
  'jobId'?: (string);
  'datasetId'?: (string);
  'classes'?: (string)[];
  'preprocessing'?: (_cnn_v1_Preprocessing | null);
  'params'?: (_cnn_v1_ParamCounts | null);
  'device'?: (string);
  'createdAt'?: (string);
  /**
   * JSON text, as REST returns these fields: the architecture spec; the
   * evaluation metrics (empty when none); the training history per epoch.
   */
  'specJson'?: (string);
  'metricsJson'?: (string);
  'historyJson'?: (string);
  /**
   * `train`, `finetune` or `import`.
   */
  'source'?: (string);
}

export interface Model__Output {
  'id': (string);
  'name': (string);
  /**
   * The job that produced it; empty for an imported model.
   */
  'jobId': (string);
  'datasetId': (string);
  'classes': (string)[];
  'preprocessing': (_cnn_v1_Preprocessing__Output | null);
  'params': (_cnn_v1_ParamCounts__Output | null);
  'device': (string);
  'createdAt': (string);
  /**
   * JSON text, as REST returns these fields: the architecture spec; the
   * evaluation metrics (empty when none); the training history per epoch.
   */
  'specJson': (string);
  'metricsJson': (string);
  'historyJson': (string);
  /**
   * `train`, `finetune` or `import`.
   */
  'source': (string);
}
