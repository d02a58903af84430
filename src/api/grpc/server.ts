/**
 * The gRPC adapter: the cnn.v1 services and grpc.health.v1.Health on one
 * grpc-js server, beside REST. Like the REST adapter it holds no business
 * logic: each handler calls src/service and maps the answer.
 *
 * Messages larger than MAX_RECEIVE_MESSAGE_BYTES are refused with
 * RESOURCE_EXHAUSTED from their 5-byte length prefix, before their body is
 * read, so a huge message costs no memory; uploads stream in chunks instead.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { ServiceContext } from '../../service/context.js';
import { CallKit, UNARY_DEFAULT_DEADLINE_MS } from './calls.js';
import { loadCnnProto } from './proto.js';
import { architecturesService } from './services/architectures.js';
import { datasetsService } from './services/datasets.js';
import { HEALTH_WATCH_INTERVAL_MS, healthService } from './services/health.js';
import { jobsService } from './services/jobs.js';
import { modelsService } from './services/models.js';

/** Largest single message the server accepts (grpc-js's default too, made explicit). */
export const MAX_RECEIVE_MESSAGE_BYTES = 4 * 1024 * 1024;
/** How long shutdown waits for calls in flight before cutting them. */
const SHUTDOWN_GRACE_MS = 5_000;

export interface GrpcServerOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  unaryDeadlineMs?: number;
  healthWatchIntervalMs?: number;
}

export interface RunningGrpcServer {
  /** The port it listens on. */
  port: number;
  /** Ends watches (UNAVAILABLE) and uploads (files discarded), lets unary calls finish, then stops. */
  close(): Promise<void>;
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startGrpcServer(ctx: ServiceContext, opts: GrpcServerOptions): Promise<RunningGrpcServer> {
  const proto = loadCnnProto();
  const kit = new CallKit(ctx, ctx.log.child({ component: 'grpc' }), opts.unaryDeadlineMs ?? UNARY_DEFAULT_DEADLINE_MS);
  const server = new Server({ 'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_BYTES });
  server.addService(proto.cnn.v1.Architectures.service, architecturesService(kit));
  server.addService(proto.cnn.v1.Datasets.service, datasetsService(kit));
  server.addService(proto.cnn.v1.Jobs.service, jobsService(kit));
  server.addService(proto.cnn.v1.Models.service, modelsService(kit));
  server.addService(proto.grpc.health.v1.Health.service, healthService(kit, opts.healthWatchIntervalMs ?? HEALTH_WATCH_INTERVAL_MS));

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(hostPort(opts.host, opts.port), ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });

  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        kit.abortAll();
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, SHUTDOWN_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closing;
    },
  };
}
