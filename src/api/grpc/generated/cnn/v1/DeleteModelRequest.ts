// Original file: proto/cnn/v1/models.proto


export interface DeleteModelRequest {
  'id'?: (string);
}

export interface DeleteModelRequest__Output {
  'id': (string);
}
