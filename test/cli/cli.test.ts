import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function cnn(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/cnn.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempSpec(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-cli-'));
  const file = join(dir, 'spec.json');
  writeFileSync(file, content);
  return file;
}

describe('cnn summary', () => {
  it('prints the Keras-style table with the totals', () => {
    const r = cnn('summary', 'examples/mnist-cnn.json');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Layer \(type\)\s+Output Shape\s+Param #/);
    expect(r.stdout).toMatch(/conv2d_1 \(conv2d\)\s+\(None, 28, 28, 32\)\s+320\n/);
    expect(r.stdout).toMatch(/^Total params: 421,642\b/m);
    expect(r.stdout).toMatch(/^Trainable params: 421,642$/m);
    expect(r.stdout).toMatch(/^Non-trainable params: 0\b/m);
    expect(r.stdout).toMatch(/^BN running statistics: 0\b/m);
    expect(r.stdout).toMatch(/^MACs per image: 4,241,152\b/m);
  });

  it('--json prints the summary object', () => {
    const r = cnn('summary', 'examples/tutorial-3conv.json', '--json');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.totals.totalParams).toBe(93_322);
    expect(summary.layers[0]).toMatchObject({ name: 'conv2d_1', outputShape: [26, 26, 32], params: 320 });
  });

  it('reports a bad spec with its code and path, exit 2', () => {
    const file = tempSpec(JSON.stringify({ input: { shape: [3, 3, 1] }, layers: [{ type: 'conv2d', filters: 2, kernelSize: 5 }] }));
    const r = cnn('summary', file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('SPEC_NONPOSITIVE_DIM');
    expect(r.stderr).toContain('layers[0].kernelSize: kernel 5x5 is larger than its 3x3 input');
  });

  it('--max-params caps the model', () => {
    const r = cnn('summary', 'examples/mnist-cnn.json', '--max-params', '400000');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SPEC_TOO_LARGE');
  });

  it('reports a missing file, exit 2', () => {
    const r = cnn('summary', 'examples/does-not-exist.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot read spec file 'examples/does-not-exist.json': no such file");
  });

  it('reports a file that is not JSON, exit 2', () => {
    const r = cnn('summary', tempSpec('{ "input": '));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not valid JSON/);
  });

  it('rejects bad usage with the usage text, exit 2', () => {
    for (const args of [['summary'], ['summary', 'a.json', 'b.json'], ['summary', 'a.json', '--frobnicate'], ['train']]) {
      const r = cnn(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('usage: cnn');
    }
  });

  it('help prints the usage, exit 0', () => {
    const r = cnn('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('summary <spec.json>');
  });
});
