// ONNX export against the engine, through a real ONNX Runtime
// (onnxruntime-node) and Debian's onnx checker: every zoo model at a small
// input, the tutorial and design-guide CNNs, and 100 generated specs. Batch
// norms get non-trivial running statistics so their inference form is tested.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { compileSpec, ZOO_NAMES, type NormalizedGraph } from '../../src/architecture/index.js';
import { createEngineModel, type EngineModel } from '../../src/engine/index.js';
import { normalizeToNchw } from '../../src/export/normalize.js';
import { exportOnnx, type InputLayout } from '../../src/export/onnx.js';
import { readSafetensorsF32 } from '../../src/export/safetensors.js';
import { asF32, f32, readSt, writeSt } from '../engine/safetensors.js';
import { makeRng, randomValidSpec } from '../helpers/random-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'cnn-onnx-'));
const written: string[] = [];

interface Case {
  model: EngineModel;
  graph: NormalizedGraph;
  weightsPath: string;
  mean: number[];
  std: number[];
}

/** A model with seeded weights and, for every batch norm, running statistics away from 0 and 1. */
async function prepare(input: unknown, seed: number): Promise<Case> {
  const { graph } = compileSpec(input);
  const model = await createEngineModel(graph, { device: 'cpu', seed, precision: 'fp32' });
  const path = join(dir, `w-${seed}-${written.length}.safetensors`);
  await model.saveWeights(path);
  const st = readSt(path);
  const rng = makeRng(seed);
  for (const [name, t] of st.tensors) {
    if (name.endsWith('.running_mean')) st.tensors.set(name, f32(Array.from(asF32(t), () => rng() - 0.5), t.shape));
    if (name.endsWith('.running_var')) st.tensors.set(name, f32(Array.from(asF32(t), () => 0.5 + rng()), t.shape));
  }
  writeSt(path, st.tensors, st.metadata);
  await model.loadWeights(path);
  const c = graph.input.shape[0];
  return { model, graph, weightsPath: path, mean: Array.from({ length: c }, (_, i) => 0.1 * (i + 1)), std: Array.from({ length: c }, (_, i) => 0.2 + 0.05 * i) };
}

async function exportCase(k: Case, layout: InputLayout, name: string): Promise<Uint8Array> {
  const [c, h, w] = k.graph.input.shape;
  const K = k.graph.layers[k.graph.output]!.outShape[0]!;
  const bytes = exportOnnx({
    graph: k.graph,
    weights: await readSafetensorsF32(k.weightsPath),
    classes: Array.from({ length: K }, (_, i) => `class ${i}`),
    preprocessing: { inputShape: [h, w, c], scale: 1 / 255, mean: k.mean, std: k.std },
    layout,
    modelId: name,
    specSha256: '0'.repeat(64),
    producerVersion: 'test',
  });
  const file = join(dir, `${name.replace(/[^\w.-]/g, '_')}-${layout}.onnx`);
  writeFileSync(file, bytes);
  written.push(file);
  return bytes;
}

/** Raw pixels, and the float32 NCHW input the engine's batch preparer makes of them. */
function pixels(k: Case, n: number, seed: number): { raw: Uint8Array; nhwc: Float32Array; nchw: Float32Array } {
  const [c, h, w] = k.graph.input.shape;
  const rng = makeRng(seed);
  const raw = Uint8Array.from({ length: n * h * w * c }, () => Math.floor(rng() * 256));
  return { raw, nhwc: Float32Array.from(raw), nchw: normalizeToNchw(raw, { n, h, w, c }, { scale: 1 / 255, mean: k.mean, std: k.std }) };
}

const argmax = (a: Float32Array, from: number, k: number): number => {
  let best = 0;
  for (let j = 1; j < k; j++) if (a[from + j]! > a[from + best]!) best = j;
  return best;
};

/** Runs both layouts in ONNX Runtime at batch sizes 1 and 7 and compares them with the engine. */
async function checkAgainstEngine(input: unknown, name: string, seed: number): Promise<{ maxDiff: number }> {
  const k = await prepare(input, seed);
  try {
    const [c, h, w] = k.graph.input.shape;
    const K = k.graph.layers[k.graph.output]!.outShape[0]!;
    let maxDiff = 0;
    for (const layout of ['nhwc-raw', 'nchw-normalized'] as const) {
      const session = await ort.InferenceSession.create(await exportCase(k, layout, name));
      for (const n of [1, 7]) {
        const p = pixels(k, n, seed * 31 + n);
        const want = await k.model.forward(p.nchw, n);
        const feed = layout === 'nhwc-raw' ? new ort.Tensor('float32', p.nhwc, [n, h, w, c]) : new ort.Tensor('float32', p.nchw, [n, c, h, w]);
        const out = await session.run({ image: feed });
        const logits = out.logits!.data as Float32Array;
        const probs = out.probabilities!.data as Float32Array;
        expect(out.logits!.dims, `${name} ${layout} n=${n}`).toEqual([n, K]);
        expect(out.probabilities!.dims).toEqual([n, K]);
        for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(logits[i]! - want[i]!));
        // The engine's own serving path (uint8 pixels, its batch preparer) picks the same class.
        const served = await k.model.predict(p.raw, { n, h, w, c, mean: k.mean, std: k.std });
        for (let i = 0; i < n; i++) {
          expect(argmax(logits, i * K, K), `${name} ${layout} n=${n} image ${i}: top-1`).toBe(argmax(want, i * K, K));
          expect(argmax(served, i * K, K), `${name} n=${n} image ${i}: top-1 of predict`).toBe(argmax(logits, i * K, K));
          let sum = 0;
          for (let j = 0; j < K; j++) sum += probs[i * K + j]!;
          expect(sum).toBeCloseTo(1, 5);
        }
      }
      await session.release();
    }
    expect(maxDiff, `${name}: max |logit difference|`).toBeLessThanOrEqual(1e-4);
    return { maxDiff };
  } finally {
    k.model.dispose();
  }
}

describe('ONNX export runs in ONNX Runtime as the engine computes', () => {
  afterAll(() => {
    // Debian's onnx: the full checker and strict shape inference on every file written above.
    const script = [
      'import sys, onnx',
      'from onnx import shape_inference',
      'for p in sys.argv[1:]:',
      '    m = onnx.load(p)',
      '    onnx.checker.check_model(m, full_check=True)',
      '    shape_inference.infer_shapes(m, check_type=True, strict_mode=True)',
      '    assert m.ir_version == 8 and [o.version for o in m.opset_import] == [17], p',
      'print(len(sys.argv) - 1)',
    ].join('\n');
    const checked = execFileSync('/usr/bin/python3', ['-c', script, ...written], { encoding: 'utf8' });
    expect(Number(checked.trim())).toBe(written.length);
  }, 300_000);

  it('the tutorial CNN, with the metadata a deployment needs', async () => {
    const spec = JSON.parse(readFileSync('examples/mnist-cnn.json', 'utf8')) as unknown;
    await checkAgainstEngine(spec, 'tutorial-cnn', 1);
    const session = await ort.InferenceSession.create(readFileSync(written.find((f) => f.includes('tutorial-cnn-nhwc-raw'))!));
    expect(session.inputNames).toEqual(['image']);
    expect(session.outputNames).toEqual(['logits', 'probabilities']);
    await session.release();
    const meta = execFileSync(
      '/usr/bin/python3',
      ['-c', 'import sys, json, onnx; m = onnx.load(sys.argv[1]); print(json.dumps({p.key: p.value for p in m.metadata_props}))', written.find((f) => f.includes('tutorial-cnn-nhwc-raw'))!],
      { encoding: 'utf8' },
    );
    const props = JSON.parse(meta) as Record<string, string>;
    expect(JSON.parse(props.classes!)).toHaveLength(10);
    expect(props.input_layout).toBe('nhwc-raw');
    expect(JSON.parse(props.preprocessing!)).toMatchObject({ inputShape: [28, 28, 1], scale: 1 / 255 });
    expect(props.model_id).toBe('tutorial-cnn');
    expect(props.spec_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the design-guide CNN', async () => {
    await checkAgainstEngine(JSON.parse(readFileSync('examples/design-guide-cnn.json', 'utf8')), 'design-guide-cnn', 2);
  });

  it.each(ZOO_NAMES.filter((n) => n !== 'inception_v3' && n !== 'vgg16' && n !== 'vgg16_bn' && n !== 'alexnet'))('zoo %s at 32x32x3', async (zoo) => {
    await checkAgainstEngine({ zoo, numClasses: 10, inputShape: [32, 32, 3] }, `zoo-${zoo}`, 3);
  }, 120_000);

  it.each([
    ['alexnet', [64, 64, 3]],
    ['vgg16', [32, 32, 3]],
    ['vgg16_bn', [32, 32, 3]],
    ['inception_v3', [75, 75, 3]],
  ] as const)('zoo %s at %j', async (zoo, inputShape) => {
    await checkAgainstEngine({ zoo, numClasses: 10, inputShape }, `zoo-${zoo}`, 4);
  }, 300_000);

  it('100 generated specs', async () => {
    for (let seed = 1; seed <= 100; seed++) await checkAgainstEngine(randomValidSpec(seed), `random-${seed}`, seed);
  }, 600_000);
});
