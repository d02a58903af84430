// Original file: proto/cnn/v1/datasets.proto

/**
 * Which file of the upload a chunk belongs to (the REST multipart field names).
 */
export const UploadFile = {
  UPLOAD_FILE_UNSPECIFIED: 'UPLOAD_FILE_UNSPECIFIED',
  UPLOAD_FILE_ARCHIVE: 'UPLOAD_FILE_ARCHIVE',
  UPLOAD_FILE_IMAGES: 'UPLOAD_FILE_IMAGES',
  UPLOAD_FILE_LABELS: 'UPLOAD_FILE_LABELS',
  UPLOAD_FILE_TEST_IMAGES: 'UPLOAD_FILE_TEST_IMAGES',
  UPLOAD_FILE_TEST_LABELS: 'UPLOAD_FILE_TEST_LABELS',
} as const;

/**
 * Which file of the upload a chunk belongs to (the REST multipart field names).
 */
export type UploadFile =
  | 'UPLOAD_FILE_UNSPECIFIED'
  | 0
  | 'UPLOAD_FILE_ARCHIVE'
  | 1
  | 'UPLOAD_FILE_IMAGES'
  | 2
  | 'UPLOAD_FILE_LABELS'
  | 3
  | 'UPLOAD_FILE_TEST_IMAGES'
  | 4
  | 'UPLOAD_FILE_TEST_LABELS'
  | 5

/**
 * Which file of the upload a chunk belongs to (the REST multipart field names).
 */
export type UploadFile__Output = typeof UploadFile[keyof typeof UploadFile]
