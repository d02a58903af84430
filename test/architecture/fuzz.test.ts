import { describe, expect, it } from 'vitest';
import { CnnError } from '../../src/errors.js';
import { compileSpec, LAYER_TYPES, type NormalizedGraph } from '../../src/architecture/index.js';
import { makeRng, randomValidSpec } from '../helpers/random-spec.js';

/** Parameters counted from the graph alone, the way the addon allocates tensors. */
function countGraphParams(graph: NormalizedGraph): { learnable: number; runningStats: number } {
  let learnable = 0;
  let runningStats = 0;
  for (const l of graph.layers) {
    if (l.type === 'conv2d') {
      learnable += l.filters * (l.inChannels / l.groups) * l.kernel[0] * l.kernel[1] + (l.useBias ? l.filters : 0);
    } else if (l.type === 'dense') {
      learnable += l.units * l.inFeatures + (l.useBias ? l.units : 0);
    } else if (l.type === 'batchNorm') {
      learnable += 2 * l.features;
      runningStats += 2 * l.features;
    }
  }
  return { learnable, runningStats };
}

describe('randomValidSpec', () => {
  it('is deterministic and varied', () => {
    expect(randomValidSpec(42)).toEqual(randomValidSpec(42));
    const distinct = new Set(Array.from({ length: 20 }, (_, i) => JSON.stringify(randomValidSpec(i))));
    expect(distinct.size).toBe(20);
  });

  it('produces valid specs covering every layer type, whose graph counts match the summary', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 500; seed++) {
      const { summary, graph } = compileSpec(randomValidSpec(seed));
      for (const l of summary.layers) seen.add(l.type);
      const counted = countGraphParams(graph);
      expect(counted.learnable).toBe(summary.totals.totalParams);
      expect(counted.runningStats).toBe(summary.totals.bnRunningStats);
    }
    expect([...seen].sort()).toEqual([...LAYER_TYPES].sort());
  });
});

// ---- invalid specs -------------------------------------------------------------

const JUNK: unknown[] = [
  0, -1, 1.5, 1e9, 1e308, Number.NaN, Number.POSITIVE_INFINITY, '', 'x', 'same', 'input', 'softmax', null, true,
  [], [0], [1, 2, 3], [[1, 2], [3]], [-1, 2], {}, { shape: [1] }, [1e6, 1e6],
];
const KEYS = [
  'type', 'filters', 'kernelSize', 'strides', 'padding', 'dilation', 'groups', 'useBias', 'activation', 'alpha',
  'units', 'rate', 'poolSize', 'outputSize', 'epsilon', 'momentum', 'inputs', 'id', 'name', 'trainable', 'bogus',
];

function mutate(spec: Record<string, unknown>, rnd: () => number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const layers = spec.layers as Array<Record<string, unknown>>;
  const objects = layers.filter((l) => typeof l === 'object' && l !== null && !Array.isArray(l));
  if (objects.length === 0) return spec;
  const layer = pick(objects);
  const j = Math.floor(rnd() * layers.length);
  switch (Math.floor(rnd() * 10)) {
    case 0:
      layer[pick(KEYS)] = pick(JUNK);
      break;
    case 1:
      delete layer[pick(Object.keys(layer))];
      break;
    case 2:
      layer.type = pick([...LAYER_TYPES, 'Conv2D', 'unknown']);
      break;
    case 3:
      layer.inputs = [pick(['nope', 'input', `t${Math.floor(rnd() * 40)}`, layer.id as string])];
      break;
    case 4:
      layers.splice(j, 1);
      break;
    case 5:
      layers.splice(j, 0, { ...layer });
      break;
    case 6:
      (spec.input as Record<string, unknown>).shape = pick(JUNK);
      break;
    case 7:
      layers.reverse();
      break;
    case 8:
      layers[j] = pick(JUNK) as Record<string, unknown>;
      break;
    default:
      return pick(JUNK);
  }
  return spec;
}

describe('fuzz: invalid specs', () => {
  it('never throw anything but a CnnError with a SPEC_ code', () => {
    const rnd = makeRng(7);
    let rejected = 0;
    const RUNS = 3000;
    for (let i = 0; i < RUNS; i++) {
      const spec = structuredClone(randomValidSpec(i)) as unknown as Record<string, unknown>;
      let mutated: unknown = spec;
      const rounds = 1 + Math.floor(rnd() * 3);
      for (let r = 0; r < rounds && typeof mutated === 'object' && mutated !== null && !Array.isArray(mutated); r++) {
        if (!Array.isArray((mutated as Record<string, unknown>).layers) || ((mutated as { layers: unknown[] }).layers.length === 0)) break;
        mutated = mutate(mutated as Record<string, unknown>, rnd);
      }
      try {
        compileSpec(mutated);
      } catch (e) {
        if (!(e instanceof CnnError)) throw new Error(`non-CnnError for ${JSON.stringify(mutated)}: ${String(e)}`);
        expect(e.code).toMatch(/^SPEC_/);
        expect(typeof e.message).toBe('string');
        if (e.path !== undefined) expect(e.message.startsWith(`${e.path}: `)).toBe(true);
        rejected++;
      }
    }
    // Most mutations must break the spec; some (e.g. reversing a one-layer chain) legitimately do not.
    expect(rejected).toBeGreaterThan(RUNS * 0.7);
  });
});
