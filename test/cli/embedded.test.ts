// The embedded default: with neither --server nor CNN_URL, `cnn` starts the
// service for the command (embedded redis-server under CNN_DATA_DIR/redis,
// a worker, the API on a private port) and stops all of it when the command
// ends, also after Ctrl-C.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePngFolder } from './png-folder.js';
import { cli, startCli, untilStderr } from './run-cli.js';

let tmp: string;
let dataDir: string;
let folder: string;
let env: Record<string, string>;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cnn-cli-embedded-'));
  dataDir = join(tmp, 'data');
  folder = join(tmp, 'photos');
  await writePngFolder(folder, { perClass: 20, testPerClass: 6 });
  env = { CNN_DATA_DIR: dataDir, CNN_DEVICE: 'cpu' };
});

afterAll(() => {
  expect(redisServersOn(dataDir)).toEqual([]);
  rmSync(tmp, { recursive: true, force: true });
});

/** Pids of redis-server processes whose --dir is under `dir`. */
function redisServersOn(dir: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const args = cmd.split('\0');
    if (args[0]?.includes('redis-server') && args.some((a) => a.startsWith(dir))) pids.push(Number(p));
  }
  return pids;
}

describe('cnn on the embedded default', () => {
  it('trains on a folder with nothing else running, then stops Redis and the service', async () => {
    const out = join(tmp, 'out');
    const r = await cli(['train', folder, '--epochs', '1', '--json', '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({ state: 'completed', metrics: { count: 18 } });
    expect(statSync(join(out, `${res.modelId}.tar`)).size).toBeGreaterThan(0);
    expect(statSync(join(out, `${res.modelId}.onnx`)).size).toBeGreaterThan(0);
    // The data dir is CNN_DATA_DIR: the dev key, the embedded Redis's files, the dataset and the model are there.
    expect(readFileSync(join(dataDir, 'api-key'), 'utf8')).toMatch(/^dev-/);
    expect(readdirSync(join(dataDir, 'redis')).length).toBeGreaterThan(0);
    expect(redisServersOn(dataDir)).toEqual([]);

    // A second command starts it again on the same data: the model is still there.
    const ls = await cli(['models', 'ls', '--json'], env);
    expect(ls.code, ls.stderr).toBe(0);
    expect(JSON.parse(ls.stdout).items.map((m: { id: string }) => m.id)).toEqual([res.modelId]);
    expect(redisServersOn(dataDir)).toEqual([]);
  });

  it('Ctrl-C without a terminal: the job goes back to the queue, everything stops, exit 130', async () => {
    const run = startCli(['train', folder, '--epochs', '1000'], env);
    await untilStderr(run, (s) => /^epoch 1\/1000 /m.test(s), 120_000);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    const jobId = /job (job_\S+) goes back to the queue/.exec(r.stderr)?.[1];
    expect(jobId, r.stderr).toBeDefined();
    expect(r.stderr).toContain(`cnn jobs cancel ${jobId}`);
    expect(redisServersOn(dataDir)).toEqual([]);
  });
});
