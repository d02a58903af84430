// The README's curl walkthrough runs as written: its shell blocks are taken
// from the README, run one after another in one bash against a real service
// (KEY and API set), and each step's result is checked. One cut keeps it
// short: one epoch instead of two. The upload is all of Fashion-MNIST, as
// written (about 30 s for the whole walkthrough on 2 cores).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract } from './helpers/contract.js';
import { FASHION_DIR } from './helpers/fixtures.js';
import { KEY_A, startTestService, type TestService } from './helpers/service.js';

const ROOT = new URL('..', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const FULL_DATA = 'F=/usr/share/datasets/fashion-mnist';
const TWO_EPOCHS = '\\"epochs\\":2,';

/** The ```sh blocks of the "Walkthrough with curl" section, dedented, in order. */
export function walkthroughBlocks(readme: string): string[] {
  const start = readme.indexOf('## Walkthrough with curl');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  return [...section.matchAll(/^( *)```sh\n([\s\S]*?)^\1```$/gm)].map(([, indent, body]) =>
    body!
      .split('\n')
      .map((l) => (l.startsWith(indent!) ? l.slice(indent!.length) : l))
      .join('\n'),
  );
}

let svc: TestService;
let work: string;
const steps: string[] = [];
let vars: { DS: string; JOB: string; MODEL: string };

beforeAll(async () => {
  svc = await startTestService();
  work = mkdtempSync(join(tmpdir(), 'cnn-walkthrough-'));
  // The blocks run from the repository root; a fresh folder with examples/ keeps model.tar out of the checkout.
  symlinkSync(join(ROOT, 'examples'), join(work, 'examples'));
}, 60_000);

afterAll(async () => svc?.close());

describe('the README walkthrough', () => {
  it('has six steps, names files that exist, and can be cut to one epoch', () => {
    const blocks = walkthroughBlocks(README);
    expect(blocks).toHaveLength(6);
    expect(blocks[0]).toContain(FULL_DATA);
    expect(blocks[1]).toContain(TWO_EPOCHS);
    for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      expect(blocks[0]).toContain(f);
      expect(existsSync(join(FASHION_DIR, f))).toBe(true);
    }
    expect(blocks[4]).toContain('examples/ankle-boot.png');
    expect(existsSync(join(ROOT, 'examples/ankle-boot.png'))).toBe(true);
    expect(blocks[5]).toMatch(/curl .*artifact -o model\.tar/);
  });

  it('runs as written, in one shell, each step feeding the next', async () => {
    const blocks = walkthroughBlocks(README).map((b) => b.replace(TWO_EPOCHS, '\\"epochs\\":1,'));
    const script = [
      'set -euo pipefail',
      ...blocks.flatMap((b, i) => [b, `echo "@@step ${i + 1} done"`]),
      `echo "@@vars $(jq -nc --arg DS "$DS" --arg JOB "$JOB" --arg MODEL "$MODEL" '{DS: $DS, JOB: $JOB, MODEL: $MODEL}')"`,
    ].join('\n');
    // A child, not spawnSync: the service answering it runs on this event loop.
    const child = spawn('bash', ['-c', script], { cwd: work, env: { PATH: process.env.PATH!, HOME: work, KEY: KEY_A, API: svc.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, `${err}\n${out.slice(-2000)}`).toBe(0);
    let rest = out;
    for (let i = 1; i <= 6; i++) {
      const mark = `@@step ${i} done\n`;
      const at = rest.indexOf(mark);
      expect(at, `step ${i} did not finish: ${err}`).toBeGreaterThanOrEqual(0);
      steps.push(rest.slice(0, at));
      rest = rest.slice(at + mark.length);
    }
    vars = JSON.parse(/^@@vars (.*)$/m.exec(rest)![1]!);
  }, 240_000);

  it('1: uploads the dataset and sets DS', async () => {
    expect(steps[0]!.trim()).toBe(vars.DS);
    expect(vars.DS).toMatch(/^ds_/);
    const ds = (await (await svc.call(`/v1/datasets/${vars.DS}`)).json()) as any;
    expect(ds.counts.train).toEqual(new Array(10).fill(6000));
    expect(ds.counts.test).toEqual(new Array(10).fill(1000));
    expect(ds.classes[9]).toBe('Ankle boot');
  });

  it('2: submits the job and sets JOB', () => {
    expect(steps[1]!.trim()).toBe(vars.JOB);
    expect(vars.JOB).toMatch(/^job_/);
  });

  it('3: streams the events to the end, each as openapi.yaml declares it', async () => {
    const res = new Response(steps[2]!, { headers: { 'content-type': 'text/event-stream' } });
    const events = (await new Contract().check('GET', '/v1/jobs/{id}/events', res)) as { event: string; data: any }[];
    expect(events[0]!.event).toBe('state');
    expect(events.some((e) => e.event === 'progress')).toBe(true);
    expect(events.at(-2)).toMatchObject({ event: 'state', data: { state: 'completed' } });
    expect(events.at(-1)!.event).toBe('end');
  });

  it('4: reads the metrics and sets MODEL', () => {
    const [summary, model] = [steps[3]!.slice(0, steps[3]!.lastIndexOf('}') + 1), steps[3]!.slice(steps[3]!.lastIndexOf('}') + 1).trim()];
    const s = JSON.parse(summary);
    expect(s.state).toBe('completed');
    expect(s.params).toBe(421_642);
    expect(s.accuracy).toBeGreaterThan(0.7);
    expect(s.top5).toBeGreaterThan(s.accuracy);
    expect(model).toBe(vars.MODEL);
    expect(vars.MODEL).toMatch(/^mdl_/);
  });

  it('5: classifies the shipped ankle boot', () => {
    const p = JSON.parse(steps[4]!);
    expect(p.modelId).toBe(vars.MODEL);
    expect(p.predictions[0].image).toBe('ankle-boot.png');
    expect(p.predictions[0].top).toHaveLength(3);
    expect(p.predictions[0].top.map((t: { className: string }) => t.className)).toContain('Ankle boot');
  });

  it('6: downloads the artifact with curl -o', () => {
    expect(existsSync(join(work, 'model.tar'))).toBe(true);
    expect(steps[5]!.trim().split('\n').sort()).toEqual(['meta.json', 'spec.json', 'weights.safetensors'].map((f) => `${vars.MODEL}/${f}`));
  });
});
