/**
 * Maps every failure to a gRPC status through the one error table
 * (ERROR_TABLE[code].grpc). The status message is the error's message; the
 * trailing metadata carries the stable code and the offending field:
 *
 *   cnn-error-code     e.g. SPEC_INVALID, DATASET_IN_USE
 *   cnn-error-path     e.g. model.spec.layers[2].kernelSize (only when the error names a field)
 *   cnn-error-details  JSON of extra machine-readable facts (only when there are some)
 *
 * A client never sees a stack trace: anything that is not a CnnError is
 * logged and answered INTERNAL.
 */
import { Metadata, status as Status, type ServerErrorResponse } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { CnnError, isCnnError } from '../../errors.js';
import { queueUnavailable } from '../../store/redis-connection.js';

export const ERROR_CODE_KEY = 'cnn-error-code';
export const ERROR_PATH_KEY = 'cnn-error-path';
export const ERROR_DETAILS_KEY = 'cnn-error-details';

/** Metadata values must be printable ASCII; anything else is percent-encoded. */
function headerValue(v: string): string {
  return /^[\x20-\x7e]*$/.test(v) ? v : encodeURI(v);
}

const PLAIN_STATUS = Symbol('plain gRPC status');

/** A status that is not one of the error table's codes (deadline, shutdown, cancel, unimplemented). */
export function statusError(code: Status, details: string): ServerErrorResponse {
  return Object.assign(new Error(details), { code, details, [PLAIN_STATUS]: true });
}

function isStatusError(e: unknown): e is ServerErrorResponse {
  return typeof e === 'object' && e !== null && PLAIN_STATUS in e;
}

export function toServiceError(err: unknown, log: Logger, method: string): ServerErrorResponse {
  if (isStatusError(err)) return err;
  let e: CnnError;
  const unavailable = queueUnavailable(err);
  if (isCnnError(err)) {
    e = err;
  } else if (unavailable) {
    e = unavailable;
  } else {
    log.error({ err, method }, 'unhandled error');
    e = new CnnError('INTERNAL', 'internal error; see the server log');
  }
  // An outage is logged once by the Redis connections, not once per call.
  if (e.code === 'QUEUE_UNAVAILABLE') log.debug({ method, code: e.code }, e.message);
  else if (e.httpStatus >= 500) log.error({ method, code: e.code, err: e.message }, 'call failed');
  else log.info({ method, code: e.code, path: e.path }, e.message);
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_KEY, e.code);
  if (e.path !== undefined) metadata.set(ERROR_PATH_KEY, headerValue(e.path));
  if (e.details !== undefined) metadata.set(ERROR_DETAILS_KEY, headerValue(JSON.stringify(e.details)));
  return Object.assign(new Error(e.message), { code: e.grpcStatus, details: e.message, metadata });
}

export function deadlineExceeded(ms: number): ServerErrorResponse {
  return statusError(Status.DEADLINE_EXCEEDED, `no deadline was set and the call ran past the server's default of ${ms} ms; set a longer deadline`);
}

export function shuttingDown(): ServerErrorResponse {
  return statusError(Status.UNAVAILABLE, 'the server is shutting down; call again');
}

export function cancelled(): ServerErrorResponse {
  return statusError(Status.CANCELLED, 'the call was cancelled');
}
