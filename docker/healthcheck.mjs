// Container health (the image's HEALTHCHECK). The api role is healthy while
// GET /healthz answers 200 on PORT. A worker serves no HTTP: it is healthy
// while it runs; whether workers are present is what the API's /readyz and
// gRPC Health report, from the heartbeats workers write to Redis.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const TIMEOUT_MS = 4_000;

function role() {
  try {
    return readFileSync(join(process.env.TMPDIR ?? '/tmp', 'cnn-role'), 'utf8').trim();
  } catch {
    return 'api';
  }
}

if (role() !== 'api') process.exit(0);
const port = process.env.PORT || '8080';
try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
