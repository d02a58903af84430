// Original file: proto/cnn/v1/architectures.proto


export interface SummarizeArchitectureRequest {
  /**
   * The spec as JSON text, exactly the body of POST /v1/architectures/summary:
   * `{"input":{"shape":[28,28,1]},"layers":[...]}` or `{"zoo":"resnet50","numClasses":10}`.
   * JSON text rather than google.protobuf.Struct keeps integers and the
   * spec's shape exactly as written.
   */
  'specJson'?: (string);
}

export interface SummarizeArchitectureRequest__Output {
  /**
   * The spec as JSON text, exactly the body of POST /v1/architectures/summary:
   * `{"input":{"shape":[28,28,1]},"layers":[...]}` or `{"zoo":"resnet50","numClasses":10}`.
   * JSON text rather than google.protobuf.Struct keeps integers and the
   * spec's shape exactly as written.
   */
  'specJson': (string);
}
