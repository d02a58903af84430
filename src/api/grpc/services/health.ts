/**
 * grpc.health.v1.Health, the standard health protocol (grpc_health_probe,
 * Kubernetes gRPC probes). SERVING when Redis answers and a worker was seen
 * recently, as GET /readyz; no API key needed. The service name '' is the
 * server as a whole; each cnn.v1 service answers the same.
 */
import { status as Status } from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { readiness } from '../../../service/health.js';
import type { CallKit } from '../calls.js';
import type { HealthHandlers } from '../generated/grpc/health/v1/Health.js';
import type { _grpc_health_v1_HealthCheckResponse_ServingStatus__Output as ServingStatus } from '../generated/grpc/health/v1/HealthCheckResponse.js';
import { statusError } from '../status.js';

/** How often Watch looks at readiness again; it sends only changes. */
export const HEALTH_WATCH_INTERVAL_MS = 5_000;

export const HEALTH_SERVICES: readonly string[] = ['', 'cnn.v1.Architectures', 'cnn.v1.Datasets', 'cnn.v1.Jobs', 'cnn.v1.Models'];

export function healthService(kit: CallKit, watchIntervalMs = HEALTH_WATCH_INTERVAL_MS): HealthHandlers {
  const current = async (): Promise<ServingStatus> => ((await readiness(kit.ctx)).ready ? 'SERVING' : 'NOT_SERVING');
  return {
    Check: kit.unary(
      'Health.Check',
      async (req) => {
        if (!HEALTH_SERVICES.includes(req.service)) throw statusError(Status.NOT_FOUND, `unknown service '${req.service}'`);
        return { status: await current() };
      },
      { auth: false },
    ),

    Watch: kit.serverStream(
      'Health.Watch',
      async (call, { signal }) => {
        let last: ServingStatus | undefined;
        while (!signal.aborted) {
          // Per the protocol, an unknown service is reported as SERVICE_UNKNOWN, not refused.
          const now = HEALTH_SERVICES.includes(call.request.service) ? await current() : 'SERVICE_UNKNOWN';
          if (now !== last && !call.cancelled) call.write({ status: now });
          last = now;
          await sleep(watchIntervalMs, undefined, { signal }).catch(() => undefined);
        }
      },
      { auth: false },
    ),
  };
}
