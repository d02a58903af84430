// Original file: proto/cnn/v1/jobs.proto


export interface JobError {
  /**
   * A code of the error table (README, src/errors.ts).
   */
  'code'?: (string);
  'message'?: (string);
  /**
   * Empty when the error names no field.
   */
  'path'?: (string);
}

export interface JobError__Output {
  /**
   * A code of the error table (README, src/errors.ts).
   */
  'code': (string);
  'message': (string);
  /**
   * Empty when the error names no field.
   */
  'path': (string);
}
