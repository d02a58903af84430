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
   * Zoo models: the classifier's classes; 0 means the zoo default (1000).
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
  /**
   * Per-channel normalization after scaling pixels to [0, 1]; empty means
   * ImageNet's for 3-channel zoo models, else mean 0 and std 1.
   */
  'mean'?: (number | string)[];
  'std'?: (number | string)[];
  /**
   * `stretch`, `pad` or `crop`; empty means `stretch`.
   */
  'resize'?: (string);
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
   * Zoo models: the classifier's classes; 0 means the zoo default (1000).
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
  /**
   * Per-channel normalization after scaling pixels to [0, 1]; empty means
   * ImageNet's for 3-channel zoo models, else mean 0 and std 1.
   */
  'mean': (number)[];
  'std': (number)[];
  /**
   * `stretch`, `pad` or `crop`; empty means `stretch`.
   */
  'resize': (string);
}
