// Original file: proto/cnn/v1/models.proto


export interface ExportModelRequest {
  'modelId'?: (string);
  /**
   * `nhwc` (default; raw 0-255 pixels, preprocessing inside the graph) or
   * `nchw` (normalized float input, torchvision style).
   */
  'input'?: (string);
}

export interface ExportModelRequest__Output {
  'modelId': (string);
  /**
   * `nhwc` (default; raw 0-255 pixels, preprocessing inside the graph) or
   * `nchw` (normalized float input, torchvision style).
   */
  'input': (string);
}
