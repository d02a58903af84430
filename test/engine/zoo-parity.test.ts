/**
 * The engine against PyTorch itself: zoo specs lowered by src/spec, built by
 * the addon, loaded with weights that torchvision's own modules produced
 * (test/helpers/torchvision_state.py), must give torchvision's logits.
 * Skipped where Debian's python3-torch / python3-torchvision are missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngineModel } from '../../src/engine/index.js';
import { compileSpec } from '../../src/architecture/index.js';
import { asF32, readSt } from './safetensors.js';

const PYTHON = '/usr/bin/python3';
const HELPER = join(dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'torchvision_state.py');
const hasTorchvision = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'cnn-zoo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Small inputs keep this quick; each still runs every layer type of its model.
const CASES: { zoo: string; inputShape: [number, number, number] }[] = [
  { zoo: 'lenet5', inputShape: [32, 32, 1] },
  { zoo: 'resnet18', inputShape: [32, 32, 3] },
  { zoo: 'efficientnet_b0', inputShape: [32, 32, 3] },
  { zoo: 'inception_v3', inputShape: [75, 75, 3] },
];
const CLASSES = 10;

describe.skipIf(!hasTorchvision)('zoo models match torchvision', () => {
  for (const { zoo, inputShape } of CASES) {
    it(`${zoo} at ${inputShape.join('x')}: same tensors, same parameter counts, same logits`, async () => {
      const out = join(dir, zoo);
      execFileSync(PYTHON, [HELPER, zoo, '--classes', String(CLASSES), '--input', inputShape.join(','), '--save', out], { stdio: 'ignore', timeout: 120_000 });
      const { graph, summary } = compileSpec({ zoo, numClasses: CLASSES, inputShape });
      const model = await createEngineModel(graph);
      const counts = model.paramCounts();
      expect(counts.total).toBe(summary.totals.totalParams);
      expect(counts.buffers).toBe(summary.totals.bnRunningStats);

      // Strict: every torchvision state_dict key exists here with its shape, and nothing else.
      await model.loadWeights(join(out, 'weights.safetensors'));
      const io = readSt(join(out, 'io.safetensors'));
      const input = asF32(io.tensors.get('input')!);
      const want = asF32(io.tensors.get('logits')!);
      const got = await model.forward(input, 2);
      expect(got).toHaveLength(want.length);
      const scale = Math.max(1, ...Array.from(want, Math.abs));
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!) / scale).toBeLessThan(1e-4);
      model.dispose();
    });
  }
});
