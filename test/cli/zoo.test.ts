import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from '../../src/cli/args.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function cnn(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/cnn.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cnn summary --zoo', () => {
  it('prints a zoo model at its defaults', () => {
    const r = cnn('summary', '--zoo', 'resnet50');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Model: "resnet50"$/m);
    expect(r.stdout).toMatch(/layer1\.0\.downsample\.0 \(conv2d\)\s+\(None, 56, 56, 256\)\s+16,384\s/);
    expect(r.stdout).toMatch(/^Total params: 25,557,032\b/m);
  });

  it('--classes and --input adapt the model; --json prints the summary object', () => {
    const r = cnn('summary', '--zoo', 'resnet18', '--classes', '10', '--input', '28,28,1', '--json');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.inputShape).toEqual([28, 28, 1]);
    expect(summary.outputShape).toEqual([10]);
    expect(summary.layers[0]).toMatchObject({ name: 'conv1', outputShape: [28, 28, 64], params: 576 });
  });

  it('reports an unknown model with the available names, exit 2', () => {
    const r = cnn('summary', '--zoo', 'resnet99');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SPEC_INVALID');
    expect(r.stderr).toMatch(/zoo: unknown zoo model 'resnet99'; available: lenet5, .*inception_v3/);
  });

  it('reports an input below the model minimum, exit 2', () => {
    const r = cnn('summary', '--zoo', 'inception_v3', '--input', '20,20,3');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SPEC_INVALID: inputShape: inception_v3 needs an input of at least 21x21 px');
  });

  it('--max-params caps a zoo model', () => {
    const r = cnn('summary', '--zoo', 'vgg16', '--max-params', '100000000');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SPEC_TOO_LARGE');
  });

  it('rejects malformed zoo options as usage errors', () => {
    const cases = [
      ['summary', '--zoo', 'lenet5', '--classes', 'ten'],
      ['summary', '--zoo', 'lenet5', '--classes', '0'],
      ['summary', '--zoo', 'lenet5', '--input', '28,28'],
      ['summary', '--zoo', 'lenet5', '--input', '28,28,0'],
      ['summary', '--zoo', 'lenet5', '--input', '28,,1'],
      ['summary', 'examples/mnist-cnn.json', '--classes', '3'],
      ['summary', 'examples/mnist-cnn.json', '--zoo', 'lenet5'],
    ];
    for (const args of cases) expect(() => parseCommand(args), args.join(' ')).toThrow(UsageError);
    expect(parseCommand(['summary', '--zoo', 'lenet5', '--classes', '3', '--input', '28, 28, 1'])).toEqual({
      kind: 'summary',
      source: { kind: 'zoo', name: 'lenet5', numClasses: 3, inputShape: [28, 28, 1] },
      json: false,
    });
    const r = cnn('summary', '--zoo', 'lenet5', '--input', '28,28');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: cnn');
  });

  it('help lists the zoo models', () => {
    const r = cnn('help');
    expect(r.stdout).toContain('summary --zoo NAME');
    expect(r.stdout).toContain('efficientnet_b0');
  });
});
