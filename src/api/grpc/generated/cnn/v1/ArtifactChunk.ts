// Original file: proto/cnn/v1/models.proto


export interface ArtifactChunk {
  /**
   * Set on the first chunk: the suggested file name (`<model id>.tar`).
   */
  'filename'?: (string);
  'data'?: (Buffer | Uint8Array | string);
}

export interface ArtifactChunk__Output {
  /**
   * Set on the first chunk: the suggested file name (`<model id>.tar`).
   */
  'filename': (string);
  'data': (Buffer);
}
