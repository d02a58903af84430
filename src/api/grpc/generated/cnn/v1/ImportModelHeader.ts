// Original file: proto/cnn/v1/models.proto


export interface ImportModelHeader {
  /**
   * Display name.
   */
  'name'?: (string);
  /**
   * Either a zoo name (`resnet18`, ...) or spec_json (an architecture spec as
   * JSON text), not both.
   */
  'zoo'?: (string);
  'specJson'?: (string);
  /**
   * Zoo models: the classifier's classes; 0 means the zoo default.
   */
  'numClasses'?: (number);
  /**
   * Zoo models: [H, W, C]; empty means the zoo default.
   */
  'inputShape'?: (number)[];
  /**
   * One name per output class; empty means `0`, `1`, ...
   */
  'classNames'?: (string)[];
}

export interface ImportModelHeader__Output {
  /**
   * Display name.
   */
  'name': (string);
  /**
   * Either a zoo name (`resnet18`, ...) or spec_json (an architecture spec as
   * JSON text), not both.
   */
  'zoo': (string);
  'specJson': (string);
  /**
   * Zoo models: the classifier's classes; 0 means the zoo default.
   */
  'numClasses': (number);
  /**
   * Zoo models: [H, W, C]; empty means the zoo default.
   */
  'inputShape': (number)[];
  /**
   * One name per output class; empty means `0`, `1`, ...
   */
  'classNames': (string)[];
}
