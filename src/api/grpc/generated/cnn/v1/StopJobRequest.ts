// Original file: proto/cnn/v1/jobs.proto


export interface StopJobRequest {
  'id'?: (string);
}

export interface StopJobRequest__Output {
  'id': (string);
}
