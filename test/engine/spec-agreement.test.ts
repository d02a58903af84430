// The addon's own parameter count and tensors agree with the pure TypeScript
// inference, over many generated specs and every zoo model at a small size.
import { describe, expect, it } from 'vitest';
import { createEngineModel } from '../../src/engine/index.js';
import { compileSpec, ZOO_NAMES } from '../../src/architecture/index.js';
import { graphTensorShapes } from '../helpers/graph-tensors.js';
import { randomValidSpec } from '../helpers/random-spec.js';

async function check(input: unknown): Promise<void> {
  const { summary, graph } = compileSpec(input);
  const model = await createEngineModel(graph, { device: 'cpu', seed: 1 });
  try {
    const counts = model.paramCounts();
    expect(counts.total).toBe(summary.totals.totalParams);
    expect(counts.trainable).toBe(summary.totals.trainableParams);
    expect(counts.frozen).toBe(summary.totals.frozenParams);
    expect(counts.buffers).toBe(summary.totals.bnRunningStats);
    const expected = graphTensorShapes(graph);
    const actual = new Map(model.tensors().map((t) => [t.name, t.shape]));
    expect(actual).toEqual(expected);
    // A forward pass yields the summary's output shape.
    const [h, w, c] = summary.inputShape as [number, number, number];
    const out = await model.forward(new Float32Array(2 * c * h * w).fill(0.5), 2);
    expect(out.length).toBe(2 * summary.outputShape.reduce((a, b) => a * b, 1));
  } finally {
    model.dispose();
  }
}

describe('addon and spec inference agree', () => {
  it('on 150 generated specs', async () => {
    for (let seed = 1; seed <= 150; seed++) await check(randomValidSpec(seed));
  }, 300_000);

  it.each(ZOO_NAMES.filter((n) => !['vgg16', 'vgg16_bn', 'alexnet', 'inception_v3'].includes(n)))('on zoo model %s at 32x32x3, 10 classes', async (name) => {
    await check({ zoo: name, numClasses: 10, inputShape: [32, 32, 3] });
  });
});
