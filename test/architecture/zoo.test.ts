import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CnnError } from '../../src/errors.js';
import {
  compileSpec,
  expandZoo,
  listZoo,
  lowerToGraph,
  parseSpec,
  specOrZooRefSchema,
  summarize,
  ZOO_NAMES,
  type NormalizedGraph,
  type NormalizedLayer,
  type ZooName,
  type ZooRefInput,
} from '../../src/architecture/index.js';
import { ZOO_MODELS } from '../../src/architecture/zoo/registry.js';
import { graphTensorShapes } from '../helpers/graph-tensors.js';

/** torchvision's learnable parameter counts (its weights' meta["num_params"], without aux heads). */
const TORCHVISION_PARAMS: Record<ZooName, number> = {
  lenet5: 61_706,
  alexnet: 61_100_840,
  vgg16: 138_357_544,
  vgg16_bn: 138_365_992,
  googlenet: 6_624_904,
  resnet18: 11_689_512,
  resnet34: 21_797_672,
  resnet50: 25_557_032,
  mobilenet_v2: 3_504_872,
  efficientnet_b0: 5_288_548,
  inception_v3: 23_834_568,
};

function errorOf(fn: () => unknown): CnnError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CnnError) return e;
    throw e;
  }
  throw new Error('expected a CnnError');
}

describe('zoo models at their defaults', () => {
  it.each(ZOO_NAMES)('%s has exactly torchvision\'s parameter count', (zoo) => {
    expect(summarize({ zoo }).totals.totalParams).toBe(TORCHVISION_PARAMS[zoo]);
  });

  it('resnet50 takes about 4.11 GMACs per 224x224 image', () => {
    expect(Math.abs(summarize({ zoo: 'resnet50' }).totals.macs / 4.11e9 - 1)).toBeLessThan(0.01);
  });

  it('default inputs and classes: 224x224x3 and 1000; inception_v3 299x299x3; lenet5 32x32x1 and 10', () => {
    for (const zoo of ZOO_NAMES) {
      const s = summarize({ zoo });
      const input = zoo === 'lenet5' ? [32, 32, 1] : zoo === 'inception_v3' ? [299, 299, 3] : [224, 224, 3];
      expect(s.inputShape, zoo).toEqual(input);
      expect(s.outputShape, zoo).toEqual([zoo === 'lenet5' ? 10 : 1000]);
      expect(s.outputSoftmax, zoo).toBe(true);
      expect(s.name, zoo).toBe(zoo);
    }
  });

  it('listZoo names every model with its description, defaults, params and MACs', () => {
    const list = listZoo();
    expect(list.map((e) => e.name)).toEqual([...ZOO_NAMES]);
    for (const entry of list) {
      const s = summarize({ zoo: entry.name });
      expect(entry.params).toBe(TORCHVISION_PARAMS[entry.name]);
      expect(entry.macs).toBe(s.totals.macs);
      expect(entry.defaultInput).toEqual(s.inputShape);
      expect(entry.defaultClasses).toBe(s.outputShape[0]);
      expect(entry.description.length).toBeGreaterThan(20);
    }
    // Callers get copies.
    list[0]!.defaultInput[0] = -1;
    expect(listZoo()[0]!.defaultInput[0]).toBe(32);
  });
});

describe('zoo references in the spec API', () => {
  const ref = { zoo: 'resnet18', numClasses: 10, inputShape: [28, 28, 1] } as const;

  it('compileSpec, summarize, lowerToGraph and parseSpec accept a reference like the spec it expands to', () => {
    const spec = expandZoo(ref);
    expect(compileSpec(ref)).toEqual(compileSpec(spec));
    expect(summarize(ref)).toEqual(summarize(spec));
    expect(lowerToGraph(ref)).toEqual(lowerToGraph(spec));
    expect(parseSpec(ref)).toEqual(parseSpec(spec));
  });

  it('expands to a plain JSON spec that a user can edit', () => {
    const spec = JSON.parse(JSON.stringify(expandZoo({ zoo: 'resnet18' }))) as { layers: Array<Record<string, unknown>> };
    const fc = spec.layers.at(-1)!;
    expect(fc).toMatchObject({ type: 'dense', name: 'fc', units: 1000 });
    fc.units = 37;
    expect(summarize(spec).outputShape).toEqual([37]);
  });

  it('specOrZooRefSchema (for API docs) accepts a reference and the spec it expands to', () => {
    expect(specOrZooRefSchema.safeParse(ref).success).toBe(true);
    expect(specOrZooRefSchema.safeParse(expandZoo(ref)).success).toBe(true);
    expect(specOrZooRefSchema.safeParse({ zoo: 'resnet99' }).success).toBe(false);
  });

  it('adapts resnet18 to 28x28x1 with 10 classes: 3x3 stride-1 stem, no max pool', () => {
    const graph = lowerToGraph(ref);
    const byName = new Map(graph.layers.map((l) => [l.name, l]));
    expect(byName.get('conv1')).toMatchObject({ inChannels: 1, filters: 64, kernel: [3, 3], stride: [1, 1], padding: [1, 1, 1, 1], outShape: [64, 28, 28] });
    expect(byName.has('maxpool')).toBe(false);
    expect(byName.get('layer4.1.relu')!.outShape).toEqual([512, 4, 4]);
    expect(byName.get('fc')).toMatchObject({ inFeatures: 512, units: 10 });
    expect(summarize(ref).totals.totalParams).toBe(TORCHVISION_PARAMS.resnet18 - 64 * 3 * 49 + 64 * 9 - 990 * 513);
  });

  it.each([
    ['unknown name', { zoo: 'resnet99' }, 'zoo', /unknown zoo model 'resnet99'; available: lenet5, alexnet, .*inception_v3/],
    ['name not a string', { zoo: 3 }, 'zoo', /unknown zoo model 3; available: lenet5/],
    ['zero classes', { zoo: 'vgg16', numClasses: 0 }, 'numClasses', /expected a positive integer, received 0/],
    ['fractional classes', { zoo: 'vgg16', numClasses: 2.5 }, 'numClasses', /positive integer/],
    ['input of two dims', { zoo: 'alexnet', inputShape: [28, 28] }, 'inputShape', /\[height, width, channels\]/],
    ['zero channels', { zoo: 'alexnet', inputShape: [28, 28, 0] }, 'inputShape[2]', /positive integer, received 0/],
    ['extra key', { zoo: 'resnet18', layers: [] }, 'layers', /unknown key 'layers' in a zoo reference; allowed keys: zoo, numClasses, inputShape/],
    ['input below the model minimum', { zoo: 'inception_v3', inputShape: [20, 200, 3] }, 'inputShape', /inception_v3 needs an input of at least 21x21 px/],
  ])('rejects %s with SPEC_INVALID at its path', (_title, bad, path, message) => {
    for (const fn of [() => compileSpec(bad), () => summarize(bad), () => lowerToGraph(bad), () => parseSpec(bad), () => expandZoo(bad)]) {
      const e = errorOf(fn);
      expect(e.code).toBe('SPEC_INVALID');
      expect(e.path).toBe(path);
      expect(e.message).toMatch(message);
    }
  });

  it('too many classes hit the parameter cap like any spec', () => {
    expect(errorOf(() => summarize({ zoo: 'vgg16', numClasses: 20_000 })).code).toBe('SPEC_TOO_LARGE');
  });

  it.each(ZOO_NAMES)('%s: minInputPx is the smallest side the spec accepts', (zoo) => {
    const model = ZOO_MODELS[zoo];
    const min = model.minInputPx;
    for (const side of [min, min + 1, 28, 32, 63, 64, 74, 75]) {
      if (side >= min) expect(() => compileSpec({ zoo, numClasses: 10, inputShape: [side, side, 3] }), `${side}`).not.toThrow();
    }
    if (min > 1) {
      // The model itself (without the reference's own check) fails one pixel below.
      const spec = model.build({ numClasses: 10, inputShape: [min - 1, min - 1, 3] });
      expect(errorOf(() => compileSpec(spec)).code).toBe('SPEC_NONPOSITIVE_DIM');
      expect(errorOf(() => compileSpec({ zoo, inputShape: [min - 1, 300, 3] })).path).toBe('inputShape');
    }
  });
});

// ---- against torchvision ------------------------------------------------------------

const PYTHON = '/usr/bin/python3';
const HELPER = fileURLToPath(new URL('../helpers/torchvision_state.py', import.meta.url));

/** Why the torchvision comparison cannot run here, or undefined when it can. */
function torchvisionMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} is not runnable (${r.error.message})`;
  return r.status === 0 ? undefined : `${PYTHON} lacks torch/torchvision (install python3-torchvision)`;
}

const SKIP_REASON = torchvisionMissing();

/** Defaults, then small grey inputs (stride-1 stems), 4 channels at standard stems, and a few edge sizes. */
const REFERENCE_CONFIGS: ZooRefInput[] = [
  ...ZOO_NAMES.map((zoo) => ({ zoo })),
  ...ZOO_NAMES.map((zoo) => ({ zoo, numClasses: 10, inputShape: [28, 28, 1] as [number, number, number] })),
  ...ZOO_NAMES.map((zoo) => ({ zoo, numClasses: 7, inputShape: [64, 80, 4] as [number, number, number] })),
  { zoo: 'inception_v3', numClasses: 5, inputShape: [75, 90, 1] },
  { zoo: 'vgg16_bn', numClasses: 3, inputShape: [16, 40, 3] },
  { zoo: 'googlenet', numClasses: 2, inputShape: [63, 63, 3] },
  { zoo: 'lenet5', numClasses: 4, inputShape: [31, 48, 3] },
];

type TorchModule =
  | { type: 'conv2d'; kernel: number[]; stride: number[]; padding: [number, number]; dilation: number[]; groups: number; bias: boolean }
  | { type: 'batchNorm'; eps: number; momentum: number }
  | { type: 'dense'; bias: boolean }
  | { type: 'maxPool2d'; kernel: number[]; stride: number[]; padding: [number, number]; ceil_mode: boolean }
  | { type: 'avgPool2d'; kernel: number[]; stride: number[]; padding: [number, number]; ceil_mode: boolean; count_include_pad: boolean }
  | { type: 'adaptiveAvgPool2d'; output_size: number[] }
  | { type: 'dropout'; p: number }
  | { type: 'dropPath'; p: number; mode: string }
  | { type: 'activation'; activation: string };

interface TorchReference {
  state: Record<string, number[]>;
  modules: Record<string, TorchModule>;
}

function label(ref: ZooRefInput): string {
  return `${ref.zoo}${ref.numClasses !== undefined ? ` K=${ref.numClasses}` : ''}${ref.inputShape ? ` ${ref.inputShape.join('x')}` : ''}`;
}

/** Checks one torch module's hyper-parameters against the graph layer of the same name. */
function expectSameModule(name: string, m: TorchModule, layer: NormalizedLayer | undefined, where: string): void {
  const at = `${where}: ${name}`;
  switch (m.type) {
    case 'conv2d':
      expect(layer, at).toMatchObject({
        type: 'conv2d',
        kernel: m.kernel,
        stride: m.stride,
        padding: [m.padding[0], m.padding[0], m.padding[1], m.padding[1]],
        dilation: m.dilation,
        groups: m.groups,
        useBias: m.bias,
      });
      return;
    case 'batchNorm':
      expect(layer, at).toMatchObject({ type: 'batchNorm', epsilon: m.eps, momentum: m.momentum });
      return;
    case 'dense':
      expect(layer, at).toMatchObject({ type: 'dense', useBias: m.bias });
      return;
    case 'maxPool2d':
    case 'avgPool2d': {
      const padding = [m.padding[0], m.padding[0], m.padding[1], m.padding[1]];
      expect(layer, at).toMatchObject({ type: m.type, pool: m.kernel, stride: m.stride, padding, ceilMode: m.ceil_mode });
      // count_include_pad only matters where there is padding.
      if (m.type === 'avgPool2d' && layer?.type === 'avgPool2d' && padding.some((p) => p > 0)) {
        expect(layer.countIncludePad, at).toBe(m.count_include_pad);
      }
      return;
    }
    case 'adaptiveAvgPool2d':
      if (layer?.type === 'globalAvgPool2d') expect(m.output_size, at).toEqual([1, 1]);
      else expect(layer, at).toMatchObject({ type: 'adaptiveAvgPool2d', outputSize: m.output_size });
      return;
    case 'dropout':
      expect(layer, at).toMatchObject({ type: 'dropout', rate: m.p });
      return;
    case 'dropPath':
    case 'activation':
      return; // checked by the callers
  }
}

/** The graph layer whose activation a torch activation module applies, if its name says so. */
function activationOwner(name: string, byName: ReadonlyMap<string, NormalizedLayer>): NormalizedLayer | undefined {
  // Sequential: `P.N` follows `P.(N-1)`. Squeeze-and-excitation: `activation` after fc1, `scale_activation` after fc2.
  const seq = /^(.*\.)?(\d+)$/.exec(name);
  if (seq) return byName.get(`${seq[1] ?? ''}${Number(seq[2]) - 1}`);
  if (name.endsWith('.scale_activation')) return byName.get(name.replace(/scale_activation$/, 'fc2'));
  if (name.endsWith('.activation')) return byName.get(name.replace(/activation$/, 'fc1'));
  return undefined;
}

describe.skipIf(SKIP_REASON !== undefined)(
  `zoo graphs against torchvision's state_dicts${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`,
  () => {
    let references: TorchReference[] = [];

    beforeAll(() => {
      const r = spawnSync(PYTHON, [HELPER, '--batch'], {
        input: JSON.stringify(REFERENCE_CONFIGS),
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 120_000,
      });
      if (r.status !== 0) throw new Error(`torchvision_state.py failed (${r.status}): ${r.stderr}`);
      references = JSON.parse(r.stdout) as TorchReference[];
      expect(references).toHaveLength(REFERENCE_CONFIGS.length);
    }, 150_000);

    it.each(REFERENCE_CONFIGS.map((ref, i) => [label(ref), ref, i] as const))(
      '%s: tensor names and shapes equal the state_dict',
      (_label, ref, i) => {
        const graph: NormalizedGraph = lowerToGraph(ref);
        const ours = Object.fromEntries([...graphTensorShapes(graph)].sort(([a], [b]) => (a < b ? -1 : 1)));
        const theirs = Object.fromEntries(Object.entries(references[i]!.state).sort(([a], [b]) => (a < b ? -1 : 1)));
        expect(ours).toEqual(theirs);
      },
    );

    it.each(REFERENCE_CONFIGS.map((ref, i) => [label(ref), ref, i] as const))(
      '%s: conv, batch-norm, pool, dropout and activation settings equal the modules of the same name',
      (where, ref, i) => {
        const graph = lowerToGraph(ref);
        const byName = new Map(graph.layers.map((l) => [l.name, l]));
        const modules = references[i]!.modules;
        let checked = 0;
        for (const [name, m] of Object.entries(modules)) {
          if (m.type === 'activation') {
            const owner = activationOwner(name, byName);
            if (owner && 'activation' in owner) {
              expect(owner.activation, `${where}: ${name}`).toBe(m.activation);
              checked++;
            }
            continue;
          }
          // torchvision keeps a StochasticDepth in every MBConv but applies it only on residual blocks.
          if (m.type === 'dropPath') continue;
          expectSameModule(name, m, byName.get(name), where);
          checked++;
        }
        for (const layer of graph.layers) {
          if (layer.type !== 'dropPath') continue;
          expect(modules[layer.name], `${where}: ${layer.name}`).toEqual({ type: 'dropPath', p: layer.rate, mode: 'row' });
        }
        expect(checked).toBeGreaterThan(5);
      },
    );
  },
);
