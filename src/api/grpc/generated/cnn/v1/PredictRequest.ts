// Original file: proto/cnn/v1/models.proto


export interface PredictRequest {
  'modelId'?: (string);
  /**
   * Encoded images (PNG, JPEG, WebP), at most CNN_MAX_PREDICT_IMAGES.
   */
  'images'?: (Buffer | Uint8Array | string)[];
  /**
   * Optional names echoed back in the predictions; default `image0`, `image1`, ...
   */
  'imageNames'?: (string)[];
  /**
   * 1..classes; 0 means min(5, classes).
   */
  'topK'?: (number);
}

export interface PredictRequest__Output {
  'modelId': (string);
  /**
   * Encoded images (PNG, JPEG, WebP), at most CNN_MAX_PREDICT_IMAGES.
   */
  'images': (Buffer)[];
  /**
   * Optional names echoed back in the predictions; default `image0`, `image1`, ...
   */
  'imageNames': (string)[];
  /**
   * 1..classes; 0 means min(5, classes).
   */
  'topK': (number);
}
