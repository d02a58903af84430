// Static checks of the deployment files. No Docker engine runs here, so the
// image is never built and the compose project never started: these tests
// read the files and hold them to what the service needs (every env var known
// to the config schema, Redis durability flags, GPU reservations, a non-root
// runtime with a healthcheck). The healthcheck script itself is run for real.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_DOCS, loadConfig } from '../src/config.js';

const root = new URL('..', import.meta.url).pathname;
const read = (f: string) => readFileSync(join(root, f), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { resources?: { reservations?: { devices?: { driver?: string; count?: string | number; device_ids?: string[]; capabilities?: string[] }[] } } };
  profiles?: string[];
  stop_grace_period?: string;
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const cpu = parse(read('docker-compose.cpu.yml'), { merge: true }) as Compose;
const dockerfile = read('Dockerfile');

const ALLOWED_ENV = new Set([...Object.keys(CONFIG_DOCS), 'CUDA_VISIBLE_DEVICES', 'NODE_ENV']);
// redis and the optional prometheus (profile `metrics`) are not cnn-trainer images.
const appServices = (c: Compose) => Object.entries(c.services).filter(([name]) => name !== 'redis' && name !== 'prometheus');
const workers = Object.entries(compose.services).filter(([, s]) => s.command?.[0] === 'worker');

/** `${VAR:-default}` as compose would expand it with VAR unset. */
function interpolate(v: string): string {
  return String(v).replace(/\$\{[A-Z_]+(?::?-([^}]*))?\}/g, (_m, d: string | undefined) => d ?? '');
}

describe('docker-compose.yml', () => {
  it('offers a Prometheus behind the metrics profile that scrapes the api and each worker', () => {
    const p = compose.services.prometheus!;
    expect(p.profiles).toEqual(['metrics']);
    expect(p.volumes).toContain('./docker/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    const scrape = read('docker/prometheus.yml');
    expect(scrape).toContain('api:8080');
    for (const [name, s] of workers) {
      expect(s.environment?.CNN_WORKER_METRICS_PORT, name).toBe('9464');
      expect(s.environment?.HOST, name).toBe('0.0.0.0');
      expect(scrape, name).toContain(`${name}:9464`);
    }
    expect(compose.services.api!.environment?.HOST).toBe('0.0.0.0');
  });

  it('has redis, the api and one worker per GPU, sharing a data volume', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['redis', 'api', 'worker-gpu0', 'worker-gpu1']));
    expect(Object.keys(compose.volumes ?? {})).toEqual(expect.arrayContaining(['data', 'redis']));
    for (const [name, s] of appServices(compose)) {
      expect(s.volumes, name).toContain(`data:${s.environment?.CNN_DATA_DIR}`);
      expect(s.depends_on?.redis?.condition, name).toBe('service_healthy');
      expect(s.environment?.REDIS_URL, name).toBe('redis://redis:6379');
    }
  });

  it('runs Redis with AOF fsynced every second, noeviction, a volume and a healthcheck', () => {
    const redis = compose.services.redis!;
    const args = redis.command!.join(' ');
    expect(args).toMatch(/--appendonly yes/);
    expect(args).toMatch(/--appendfsync everysec/);
    expect(args).toMatch(/--maxmemory-policy noeviction/);
    expect(redis.volumes).toContain('redis:/data');
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('publishes REST and gRPC from the api, with a healthcheck and no in-process workers', () => {
    const api = compose.services.api!;
    expect(api.command).toEqual(['api']);
    expect(api.ports).toEqual(expect.arrayContaining(['8080:8080', '50051:50051']));
    expect(api.environment?.PORT).toBe('8080');
    expect(api.environment?.GRPC_PORT).toBe('50051');
    expect(api.environment?.CNN_WORKERS).toBe('0');
    expect(api.healthcheck?.test.join(' ')).toContain('docker/healthcheck.mjs');
    expect(api.deploy?.resources?.reservations?.devices ?? []).toEqual([]);
  });

  it('gives each worker a GPU reservation and its own CUDA_VISIBLE_DEVICES', () => {
    expect(workers.length).toBeGreaterThanOrEqual(2);
    const visible = workers.map(([, s]) => s.environment?.CUDA_VISIBLE_DEVICES);
    expect(visible).toEqual(workers.map((_, i) => String(i)));
    for (const [name, s] of workers) {
      const devices = s.deploy?.resources?.reservations?.devices ?? [];
      expect(devices, name).toEqual([expect.objectContaining({ driver: 'nvidia', capabilities: ['gpu'] })]);
      expect(s.environment?.CNN_DEVICE, name).toBe('cuda');
      expect(s.stop_grace_period, name).toBeDefined();
    }
  });

  it('serves both roles from one image built by this Dockerfile', () => {
    const images = new Set(appServices(compose).map(([, s]) => s.image));
    expect([...images]).toEqual(['cnn-trainer:cuda']);
    for (const [, s] of appServices(compose)) expect(s.build).toEqual({ context: '.', args: { FLAVOR: 'cuda' } });
  });

  it('sets only environment variables the config schema knows, with values it accepts', () => {
    for (const file of [compose, cpu]) {
      for (const [name, s] of appServices(file)) {
        const env = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
        for (const k of Object.keys(env)) expect(ALLOWED_ENV.has(k), `${name} sets ${k}`).toBe(true);
        expect(() => loadConfig(env), name).not.toThrow();
      }
    }
  });
});

describe('docker-compose.cpu.yml', () => {
  it('switches to the CPU image and one CPU worker; the GPU workers stay off', () => {
    for (const [name] of workers) expect(cpu.services[name]?.profiles, name).toEqual(['gpu']);
    const w = cpu.services['worker-cpu']!;
    expect(w.command).toEqual(['worker']);
    expect(w.environment?.CNN_DEVICE).toBe('cpu');
    expect(w.deploy).toBeUndefined();
    expect(w.volumes).toContain('data:/data');
    expect(w.depends_on?.redis?.condition).toBe('service_healthy');
    for (const s of [cpu.services.api!, w]) {
      expect(s.image).toBe('cnn-trainer:cpu');
      expect(s.build).toEqual({ context: '.', args: { FLAVOR: 'cpu' } });
    }
    // Services it names exist in the base file, except the one it adds.
    for (const name of Object.keys(cpu.services)) if (name !== 'worker-cpu') expect(compose.services[name], name).toBeDefined();
  });
});

describe('Dockerfile', () => {
  const lines = dockerfile.split('\n');
  const froms = lines.filter((l) => /^FROM /.test(l));
  const lastFrom = lines.findIndex((l) => l === froms.at(-1));
  const finalStage = lines.slice(lastFrom).join('\n');

  it('is multi-stage, with CPU and CUDA flavours chosen by the FLAVOR build arg', () => {
    expect(lines.findIndex((l) => /^ARG FLAVOR=cpu$/.test(l))).toBeLessThan(lines.indexOf(froms[0]!));
    expect(froms.length).toBeGreaterThanOrEqual(4);
    expect(dockerfile).toMatch(/^FROM build-\$\{FLAVOR\} AS build$/m);
    expect(dockerfile).toMatch(/^FROM runtime-\$\{FLAVOR\} AS runtime$/m);
    for (const stage of ['build-cpu', 'build-cuda', 'runtime-cpu', 'runtime-cuda']) expect(dockerfile).toMatch(new RegExp(`^FROM \\S+ AS ${stage}$`, 'm'));
    expect(dockerfile).toMatch(/libtorch-dev/);
    expect(dockerfile).toMatch(/pytorch\/pytorch:\$\{PYTORCH_TAG\}-devel/);
    expect(dockerfile).toMatch(/pytorch\/pytorch:\$\{PYTORCH_TAG\}-runtime/);
    expect(dockerfile).toMatch(/CNN_BOOTSTRAP_SKIP_APT=1/);
  });

  it('runs as a non-root user with a HEALTHCHECK and the role entrypoint', () => {
    const users = [...finalStage.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)$/);
    expect(finalStage).toMatch(/^HEALTHCHECK .*\n?.*docker\/healthcheck\.mjs/m);
    expect(finalStage).toMatch(/^ENTRYPOINT \["\/app\/docker\/entrypoint\.sh"\]$/m);
    expect(finalStage).toMatch(/^CMD \["api"\]$/m);
  });

  it('ships the built addon, dist/, production dependencies and what the server reads at run time, not the sources', () => {
    for (const path of ['/app/dist', '/app/node_modules', '/app/proto', '/app/openapi.yaml', '/app/native/build/Release/cnn_native.node', '/app/native/build/Release/cnn_decode.node', '/app/vendor', '/app/web/dist']) {
      expect(finalStage, path).toContain(path);
    }
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(finalStage).not.toMatch(/COPY .*\/app\/src\b/);
    for (const f of ['docker/entrypoint.sh', 'docker/healthcheck.mjs']) expect(existsSync(join(root, f)), f).toBe(true);
  });

  it('leaves what this machine built out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const p of ['node_modules', 'dist', 'native/build', '.bootstrap', 'data', 'web/dist']) expect(ignored).toContain(p);
  });
});

describe('docker/entrypoint.sh', () => {
  const script = read('docker/entrypoint.sh');

  it('maps `api` to the server without in-process workers and `worker` to one worker', () => {
    expect(spawnSync('sh', ['-n', join(root, 'docker/entrypoint.sh')]).status).toBe(0);
    expect(script).toMatch(/api\)[\s\S]*?export CNN_WORKERS=0[\s\S]*?exec node "\$app_dir\/dist\/server\.js"/);
    expect(script).toMatch(/worker\)[\s\S]*?exec node "\$app_dir\/dist\/worker\.js"/);
  });

  it('runs any other command as given', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cnn-entry-'));
    const out = execFileSync('sh', [join(root, 'docker/entrypoint.sh'), 'echo', 'hello'], { env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8' });
    expect(out.trim()).toBe('hello');
  });
});

describe('docker/healthcheck.mjs', () => {
  /** Its exit status; run asynchronously, so the test's own HTTP server can answer it. */
  const run = (env: Record<string, string>) =>
    new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [join(root, 'docker/healthcheck.mjs')], { env: { ...process.env, ...env }, stdio: 'ignore', timeout: 10_000 });
      child.on('exit', (code) => resolve(code));
    });

  async function serve(status: number): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/healthz' ? status : 404;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { server, port: (server.address() as { port: number }).port };
  }

  it('passes while /healthz answers 200 and fails otherwise (api role)', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cnn-health-'));
    writeFileSync(join(tmp, 'cnn-role'), 'api\n');
    const ok = await serve(200);
    const bad = await serve(503);
    try {
      expect(await run({ TMPDIR: tmp, PORT: String(ok.port) })).toBe(0);
      expect(await run({ TMPDIR: tmp, PORT: String(bad.port) })).toBe(1);
    } finally {
      ok.server.close();
      bad.server.close();
    }
    const nothing = await serve(200);
    nothing.server.close();
    expect(await run({ TMPDIR: tmp, PORT: String(nothing.port) })).toBe(1);
  });

  it('passes for a running worker, which serves no HTTP', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cnn-health-'));
    writeFileSync(join(tmp, 'cnn-role'), 'worker\n');
    expect(await run({ TMPDIR: tmp, PORT: '1' })).toBe(0);
  });
});
