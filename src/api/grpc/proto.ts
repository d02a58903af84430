/**
 * The .proto files of the gRPC API and how they are loaded. The generated
 * TypeScript types (src/api/grpc/generated, `npm run proto:gen`) are made with
 * the same options, so a message's runtime shape is the shape its type says:
 * camelCase fields, int64 as number, enums as their names, defaults filled in.
 */
import { join } from 'node:path';
import type { GrpcObject } from '@grpc/grpc-js';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { projectRoot } from '../../paths.js';
import type { ProtoGrpcType as ArchitecturesProto } from './generated/architectures.js';
import type { ProtoGrpcType as DatasetsProto } from './generated/datasets.js';
import type { ProtoGrpcType as HealthProto } from './generated/health.js';
import type { ProtoGrpcType as JobsProto } from './generated/jobs.js';
import type { ProtoGrpcType as ModelsProto } from './generated/models.js';

/** Relative to proto/. */
export const PROTO_FILES = [
  'cnn/v1/architectures.proto',
  'cnn/v1/datasets.proto',
  'cnn/v1/jobs.proto',
  'cnn/v1/models.proto',
  'grpc/health/v1/health.proto',
] as const;

/**
 * int64 fields hold counts (parameters, MACs, images) far below 2^53, so plain
 * numbers are exact. scripts/proto-gen.ts passes the same options to the generator.
 */
export const LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
} as const satisfies Options;

export type CnnProto = ArchitecturesProto & DatasetsProto & JobsProto & ModelsProto & HealthProto;

export function protoDir(): string {
  return join(projectRoot(), 'proto');
}

/** Every service and message of the API, parsed from proto/ at start-up. */
export function loadCnnProto(): CnnProto {
  const definition = loadSync([...PROTO_FILES], { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
  return loadPackageDefinition(definition) as GrpcObject as unknown as CnnProto;
}
