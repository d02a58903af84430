// Original file: proto/cnn/v1/datasets.proto


export interface ListDatasetsRequest {
  /**
   * 1-100; 0 means 20.
   */
  'limit'?: (number);
  /**
   * next_cursor of the previous page; empty for the first page.
   */
  'cursor'?: (string);
}

export interface ListDatasetsRequest__Output {
  /**
   * 1-100; 0 means 20.
   */
  'limit': (number);
  /**
   * next_cursor of the previous page; empty for the first page.
   */
  'cursor': (string);
}
