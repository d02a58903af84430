// Original file: proto/cnn/v1/models.proto


export interface GetModelRequest {
  'id'?: (string);
}

export interface GetModelRequest__Output {
  'id': (string);
}
