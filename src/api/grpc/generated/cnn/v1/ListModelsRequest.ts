// Original file: proto/cnn/v1/models.proto


export interface ListModelsRequest {
  /**
   * 1-100; 0 means 20.
   */
  'limit'?: (number);
  'cursor'?: (string);
}

export interface ListModelsRequest__Output {
  /**
   * 1-100; 0 means 20.
   */
  'limit': (number);
  'cursor': (string);
}
