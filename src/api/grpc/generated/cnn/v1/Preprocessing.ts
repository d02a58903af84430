// Original file: proto/cnn/v1/models.proto


export interface Preprocessing {
  /**
   * [H, W, C] the model takes.
   */
  'inputShape'?: (number)[];
  /**
   * `stretch`, `pad` or `crop`.
   */
  'resize'?: (string);
  /**
   * Pixels are multiplied by scale, then (x - mean) / std per channel.
   */
  'scale'?: (number | string);
  'mean'?: (number | string)[];
  'std'?: (number | string)[];
}

export interface Preprocessing__Output {
  /**
   * [H, W, C] the model takes.
   */
  'inputShape': (number)[];
  /**
   * `stretch`, `pad` or `crop`.
   */
  'resize': (string);
  /**
   * Pixels are multiplied by scale, then (x - mean) / std per channel.
   */
  'scale': (number);
  'mean': (number)[];
  'std': (number)[];
}
