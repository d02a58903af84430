// Original file: proto/cnn/v1/models.proto


export interface DownloadModelArtifactRequest {
  'id'?: (string);
}

export interface DownloadModelArtifactRequest__Output {
  'id': (string);
}
