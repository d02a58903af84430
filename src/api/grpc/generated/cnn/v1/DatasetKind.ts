// Original file: proto/cnn/v1/datasets.proto

export const DatasetKind = {
  DATASET_KIND_UNSPECIFIED: 'DATASET_KIND_UNSPECIFIED',
  DATASET_KIND_ARCHIVE: 'DATASET_KIND_ARCHIVE',
  DATASET_KIND_IDX: 'DATASET_KIND_IDX',
} as const;

export type DatasetKind =
  | 'DATASET_KIND_UNSPECIFIED'
  | 0
  | 'DATASET_KIND_ARCHIVE'
  | 1
  | 'DATASET_KIND_IDX'
  | 2

export type DatasetKind__Output = typeof DatasetKind[keyof typeof DatasetKind]
