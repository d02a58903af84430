// Original file: proto/cnn/v1/models.proto


export interface ClassScore {
  'className'?: (string);
  'classIndex'?: (number);
  'probability'?: (number | string);
}

export interface ClassScore__Output {
  'className': (string);
  'classIndex': (number);
  'probability': (number);
}
