/**
 * The one error class of the service and the table of its codes.
 *
 * Every failure a client can see carries a stable `code` from ERROR_TABLE; the
 * HTTP and gRPC adapters map it with this table and nothing else. Tests assert
 * codes, never message text.
 */

/** gRPC status numbers (grpc/status.proto), kept here so the spec layer needs no grpc import. */
export const GrpcStatus = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

interface CodeInfo {
  http: number;
  grpc: number;
  /** What the code means, for docs. */
  doc: string;
}

const G = GrpcStatus;

export const ERROR_TABLE = {
  // Spec validation (src/spec)
  SPEC_INVALID: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'The architecture spec does not match the schema.' },
  SPEC_UNKNOWN_INPUT: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'A layer names an input id that no earlier layer has.' },
  SPEC_DUPLICATE_ID: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'Two layers share an id or name.' },
  SPEC_CYCLE: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'Layer inputs form a cycle or refer forward.' },
  SPEC_SHAPE_MISMATCH: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'add/concat/multiply inputs have incompatible shapes.' },
  SPEC_NONPOSITIVE_DIM: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'A layer would produce an output dimension below 1.' },
  SPEC_RANK_MISMATCH: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'A layer got an input of the wrong rank (e.g. dense on a spatial input).' },
  SPEC_SOFTMAX_NOT_LAST: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'softmax may only be the activation of the last layer.' },
  SPEC_TOO_LARGE: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'The model exceeds the configured parameter cap.' },
  SPEC_INVALID_ARGUMENT: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'A layer option is inconsistent (e.g. channels not divisible by groups).' },
  SPEC_UNUSED_LAYER: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'A layer feeds no later layer, so it cannot reach the model output.' },

  // Generic request validation
  VALIDATION_FAILED: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'The request does not match its schema.' },

  // Engine / native addon
  ENGINE_UNAVAILABLE: { http: 503, grpc: G.UNAVAILABLE, doc: 'The native addon is not built or libtorch is missing.' },
  ENGINE_BAD_ARGUMENT: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'The engine rejected an argument (shape, size, option).' },
  ENGINE_SHAPE_ERROR: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'A tensor had an unexpected shape inside the engine.' },
  ENGINE_OUT_OF_MEMORY: { http: 507, grpc: G.RESOURCE_EXHAUSTED, doc: 'The device ran out of memory.' },
  ENGINE_DEVICE_UNAVAILABLE: { http: 400, grpc: G.FAILED_PRECONDITION, doc: 'The requested device (e.g. cuda) is not available.' },
  ENGINE_WEIGHTS_MISMATCH: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'A weights file does not fit the model: missing, unexpected or mis-shaped tensors.' },
  WEIGHTS_INVALID: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'An uploaded weights file is not a readable safetensors file or PyTorch zip checkpoint.' },
  WEIGHTS_UNSAFE_PICKLE: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'A PyTorch checkpoint names a Python class or function other than tensors and plain containers; nothing in it is run.' },
  WEIGHTS_NOT_STATE_DICT: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'A PyTorch checkpoint holds no state dict of tensors (at its top, or under state_dict or model).' },
  WEIGHTS_LEGACY_FORMAT: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'A PyTorch checkpoint in the pre-1.6 (non-zip) format; re-save it with torch.save from PyTorch 1.6 or later.' },
  ENGINE_IO_ERROR: { http: 500, grpc: G.INTERNAL, doc: 'Reading or writing a weights file failed.' },
  ENGINE_CANCELLED: { http: 409, grpc: G.ABORTED, doc: 'The engine call was cancelled.' },
  ENGINE_INTERNAL: { http: 500, grpc: G.INTERNAL, doc: 'libtorch raised an unexpected error.' },

  // Export and train/serve parity
  EXPORT_UNSUPPORTED: { http: 400, grpc: G.FAILED_PRECONDITION, doc: 'The model has a layer setting that has no exact ONNX form.' },
  EXPORT_PARITY_FAILED: { http: 500, grpc: G.INTERNAL, doc: 'The exported ONNX file does not compute what the engine computes (logits over 1e-4 apart, or a top-1 disagreement).' },
  PARITY_MISMATCH: { http: 500, grpc: G.INTERNAL, doc: 'A model reloaded from its artifact scores differently from the model that was trained; it is not handed out.' },

  // Uploads and ingest (src/data)
  UPLOAD_TOO_LARGE: { http: 413, grpc: G.RESOURCE_EXHAUSTED, doc: 'The request body exceeds the upload byte limit.' },
  UPLOAD_MISSING_FILE: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'The upload has no archive or IDX files.' },
  ARCHIVE_UNSUPPORTED: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'The upload is not a zip, tar or tar.gz archive (judged by its bytes).' },
  ARCHIVE_CORRUPT: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'The archive could not be read.' },
  ARCHIVE_UNSAFE_ENTRY: { http: 400, grpc: G.INVALID_ARGUMENT, doc: "An archive entry has '..', an absolute path, or is a link." },
  ARCHIVE_TOO_MANY_ENTRIES: { http: 413, grpc: G.RESOURCE_EXHAUSTED, doc: 'The archive has more entries than allowed.' },
  ARCHIVE_TOO_LARGE_INFLATED: { http: 413, grpc: G.RESOURCE_EXHAUSTED, doc: 'The archive inflates to more bytes than allowed.' },
  ARCHIVE_BAD_LAYOUT: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'Archive entries are not laid out as <class>/<image> (optionally under train/ and test/).' },
  MANIFEST_INVALID: { http: 400, grpc: G.INVALID_ARGUMENT, doc: "An archive's manifest.csv or manifest.jsonl has a bad line (missing file, unknown split, empty label, duplicate path, path outside the archive); the path names the line and column." },
  IMAGE_PIXEL_LIMIT: { http: 413, grpc: G.RESOURCE_EXHAUSTED, doc: 'An image has more pixels than the per-image limit.' },
  IMAGE_TOO_LARGE: { http: 413, grpc: G.RESOURCE_EXHAUSTED, doc: 'An encoded image has more bytes than the per-image limit.' },
  IDX_INVALID: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'The IDX images/labels pair is malformed or inconsistent.' },
  DATASET_EMPTY: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'No valid image remains after ingest.' },
  DATASET_EMPTY_CLASS: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'A class has no valid image left.' },
  DATASET_EXISTS: { http: 409, grpc: G.ALREADY_EXISTS, doc: 'The dataset directory to ingest into already holds a dataset.' },

  // Service
  UNAUTHENTICATED: { http: 401, grpc: G.UNAUTHENTICATED, doc: 'Missing or unknown API key (send Authorization: Bearer <key>).' },
  DATASET_IN_USE: { http: 409, grpc: G.FAILED_PRECONDITION, doc: 'A queued or running job uses this dataset.' },
  MODEL_IN_USE: { http: 409, grpc: G.FAILED_PRECONDITION, doc: 'A queued or running job uses this model.' },
  JOB_FINISHED: { http: 409, grpc: G.FAILED_PRECONDITION, doc: 'The job has already finished; it cannot be cancelled or stopped.' },
  JOB_NOT_STOPPABLE: { http: 409, grpc: G.FAILED_PRECONDITION, doc: 'Only train and finetune jobs can stop early and keep a model; cancel an evaluate job instead.' },
  DATASET_INCOMPATIBLE: { http: 400, grpc: G.FAILED_PRECONDITION, doc: "The dataset does not fit the model (class count, split)." },
  DATASET_PREFLIGHT_FAILED: { http: 400, grpc: G.FAILED_PRECONDITION, doc: "The dataset's pre-flight report has errors (listed in details.findings); fix the data, or set allowPreflightErrors: true on the job." },
  PREDICT_TOO_MANY_IMAGES: { http: 413, grpc: G.RESOURCE_EXHAUSTED, doc: 'More images in one predict request than allowed.' },
  PREDICT_BAD_IMAGE: { http: 400, grpc: G.INVALID_ARGUMENT, doc: 'An image sent for prediction could not be decoded.' },
  SAMPLES_UNAVAILABLE: { http: 409, grpc: G.FAILED_PRECONDITION, doc: 'The job has no stored per-sample predictions: it has not completed, or its evaluation predates them.' },
  ACTIVATIONS_TOO_LARGE: { http: 413, grpc: G.RESOURCE_EXHAUSTED, doc: 'The feature maps asked for exceed the cap on one activations answer (16 MiB of uint8 tiles); ask for fewer layers or maps (`layers`, `maxMaps`).' },
  RATE_LIMITED: { http: 429, grpc: G.RESOURCE_EXHAUSTED, doc: 'Too many requests (per tenant) or failed authentications (per client address); retry after the Retry-After seconds.' },
  QUEUE_UNAVAILABLE: { http: 503, grpc: G.UNAVAILABLE, doc: 'Redis (queue and catalog) cannot be reached.' },

  // Generic
  NOT_FOUND: { http: 404, grpc: G.NOT_FOUND, doc: 'No such resource for this tenant.' },
  INTERNAL: { http: 500, grpc: G.INTERNAL, doc: 'An unexpected server error.' },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export class CnnError extends Error {
  override readonly name = 'CnnError';
  /**
   * @param code stable code from ERROR_TABLE
   * @param message what went wrong and what to fix
   * @param path JSON path of the offending field, e.g. `layers[2].kernelSize`
   * @param details extra machine-readable facts (lists of missing tensors, limits)
   */
  constructor(
    readonly code: ErrorCode,
    /** What is wrong and what to fix, without the path. */
    readonly reason: string,
    readonly path?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(path ? `${path}: ${reason}` : reason);
  }

  /** The same error, reported at a field nested under `prefix` (e.g. `model.spec`). */
  nestedUnder(prefix: string): CnnError {
    const path = !this.path ? prefix : this.path.startsWith('[') ? prefix + this.path : `${prefix}.${this.path}`;
    return new CnnError(this.code, this.reason, path, this.details);
  }

  get httpStatus(): number {
    return ERROR_TABLE[this.code].http;
  }

  get grpcStatus(): number {
    return ERROR_TABLE[this.code].grpc;
  }

  /** The body a client sees: `{ error: { code, message, path? } }`. */
  toJSON(): { error: { code: ErrorCode; message: string; path?: string; details?: Record<string, unknown> } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.path !== undefined ? { path: this.path } : {}),
        ...(this.details !== undefined ? { details: this.details } : {}),
      },
    };
  }
}

export function isCnnError(e: unknown): e is CnnError {
  return e instanceof CnnError;
}

/** Formats a zod issue path (['layers', 2, 'kernelSize']) as `layers[2].kernelSize`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
