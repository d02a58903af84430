// A real grpc-js client for the gRPC API, typed with the generated types, and
// small promise helpers for unary, client-streaming and server-streaming calls.
import { once } from 'node:events';
import { credentials, Metadata, type ClientReadableStream, type ClientWritableStream, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'vitest';
import { loadCnnProto } from '../../src/api/grpc/proto.js';
import type { UploadDatasetHeader } from '../../src/api/grpc/generated/cnn/v1/UploadDatasetHeader.js';
import type { UploadDatasetRequest } from '../../src/api/grpc/generated/cnn/v1/UploadDatasetRequest.js';
import type { UploadFile } from '../../src/api/grpc/generated/cnn/v1/UploadFile.js';
import type { Dataset__Output } from '../../src/api/grpc/generated/cnn/v1/Dataset.js';

export type GrpcClients = ReturnType<typeof grpcClients>;

export function grpcClients(target: string) {
  const proto = loadCnnProto();
  const creds = credentials.createInsecure();
  // The client may send more than the server accepts, so tests can see the server refuse it.
  const opts = { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': 64 * 1024 * 1024 };
  const clients = {
    datasets: new proto.cnn.v1.Datasets(target, creds, opts),
    jobs: new proto.cnn.v1.Jobs(target, creds, opts),
    models: new proto.cnn.v1.Models(target, creds, opts),
    architectures: new proto.cnn.v1.Architectures(target, creds, opts),
    health: new proto.grpc.health.v1.Health(target, creds, opts),
  };
  return {
    ...clients,
    close() {
      for (const c of Object.values(clients)) c.close();
    },
  };
}

/** Metadata with `authorization: Bearer <key>`; none for `null`. */
export function auth(key: string | null): Metadata {
  const md = new Metadata();
  if (key !== null) md.set('authorization', `Bearer ${key}`);
  return md;
}

/** Promise of a unary (or client-streaming) call's answer: `await unary((cb) => client.GetJob(req, md, cb))`. */
export function unary<Res>(start: (cb: (err: ServiceError | null, res?: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    start((err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}

/** Every message of a server stream, and how it ended. */
export async function collect<T>(stream: ClientReadableStream<T>): Promise<{ messages: T[]; error?: ServiceError }> {
  const messages: T[] = [];
  try {
    for await (const m of stream) messages.push(m as T);
    return { messages };
  } catch (e) {
    return { messages, error: e as ServiceError };
  }
}

/** Asserts a call fails with `code` and, where given, the error table's code and path in the trailing metadata. */
export async function expectStatus(p: Promise<unknown>, code: number, cnn?: { code?: string; path?: string }): Promise<ServiceError> {
  const err = await p.then(
    () => undefined,
    (e: ServiceError) => e,
  );
  expect(err, 'the call should have failed').toBeDefined();
  expect(err!.code, err!.details).toBe(code);
  if (cnn?.code !== undefined) expect(err!.metadata.get('cnn-error-code')).toEqual([cnn.code]);
  if (cnn?.path !== undefined) expect(err!.metadata.get('cnn-error-path')).toEqual([cnn.path]);
  return err!;
}

export interface UploadPart {
  file: UploadFile;
  data: Buffer;
}

/**
 * Streams an upload: the header, then each file in chunks of `chunkBytes`,
 * interleaving the files round-robin (the server appends each file's chunks in order).
 */
export async function writeUpload(
  call: ClientWritableStream<UploadDatasetRequest>,
  header: UploadDatasetHeader,
  parts: UploadPart[],
  opts: { chunkBytes?: number; ended?: Promise<unknown> } = {},
): Promise<void> {
  const chunkBytes = opts.chunkBytes ?? 256 * 1024;
  let over = false;
  void opts.ended?.finally(() => (over = true));
  const write = async (msg: UploadDatasetRequest) => {
    if (over) throw new Error('the call has ended');
    if (!call.write(msg)) await Promise.race([once(call, 'drain'), opts.ended]);
  };
  await write({ header });
  const offsets = parts.map(() => 0);
  for (let more = true; more; ) {
    more = false;
    for (const [i, p] of parts.entries()) {
      if (offsets[i]! >= p.data.length) continue;
      await write({ chunk: { file: p.file, data: p.data.subarray(offsets[i]!, offsets[i]! + chunkBytes) } });
      offsets[i]! += chunkBytes;
      more ||= offsets[i]! < p.data.length;
    }
  }
  call.end();
}

export async function uploadDataset(c: GrpcClients, key: string | null, header: UploadDatasetHeader, parts: UploadPart[], chunkBytes?: number): Promise<Dataset__Output> {
  let call!: ClientWritableStream<UploadDatasetRequest>;
  const answer = unary<Dataset__Output>((cb) => (call = c.datasets.UploadDataset(auth(key), cb)));
  // A refused upload ends the call early; later writes then fail, and the answer says why.
  const ended = answer.then(
    () => undefined,
    () => undefined,
  );
  await writeUpload(call, header, parts, { ...(chunkBytes ? { chunkBytes } : {}), ended }).catch(() => undefined);
  return answer;
}
