// Original file: proto/cnn/v1/jobs.proto


export interface SubmitJobRequest {
  /**
   * The job as JSON text, exactly the body of POST /v1/jobs:
   * `{"type":"train","datasetId":"ds_…","model":{"spec":{…}},"training":{…}}`,
   * `{"type":"evaluate","modelId":"…","datasetId":"…","split":"test"}` or
   * `{"type":"finetune",…}`. See openapi.yaml for every field.
   */
  'requestJson'?: (string);
  /**
   * Optional (1-200 printable ASCII characters): a retry with the same key
   * returns the first job instead of queuing another, for 24 hours.
   */
  'idempotencyKey'?: (string);
}

export interface SubmitJobRequest__Output {
  /**
   * The job as JSON text, exactly the body of POST /v1/jobs:
   * `{"type":"train","datasetId":"ds_…","model":{"spec":{…}},"training":{…}}`,
   * `{"type":"evaluate","modelId":"…","datasetId":"…","split":"test"}` or
   * `{"type":"finetune",…}`. See openapi.yaml for every field.
   */
  'requestJson': (string);
  /**
   * Optional (1-200 printable ASCII characters): a retry with the same key
   * returns the first job instead of queuing another, for 24 hours.
   */
  'idempotencyKey': (string);
}
