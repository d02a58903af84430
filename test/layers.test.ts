// The layers of src/ point one way (README "Layout"; DESIGN "Layers, one
// direction"). This reads every relative import under src/ and fails with the
// offending file, line and import when an arrow points the wrong way, or when
// two folders import each other, directly or around a loop.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importEdges, type ImportEdge } from './helpers/imports.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** The layer a source file belongs to: its folder (api/http and api/grpc apart), `shared` for the root helpers, `entry` for the entry points. */
export function layerOf(file: string): string {
  if (file.startsWith('../')) return 'outside';
  const parts = file.split('/');
  if (parts.length === 1) return ['server.ts', 'worker.ts', 'runtime.ts'].includes(file) ? 'entry' : 'shared';
  if (parts[0] === 'api') return `api/${parts[1]}`;
  return parts[0]!;
}

interface Rule {
  /** What the rule says, as the layout documents it. */
  says: string;
  applies(from: string, fromLayer: string): boolean;
  forbids(to: string, toLayer: string): boolean;
}

const RULES: Rule[] = [
  { says: 'jobs never imports service or api', applies: (_, l) => l === 'jobs', forbids: (_, l) => l === 'service' || l.startsWith('api/') },
  {
    says: 'service imports from jobs only the queue',
    applies: (_, l) => l === 'service',
    forbids: (to, l) => l === 'jobs' && to !== 'jobs/queue.ts',
  },
  {
    says: 'service reaches the engine only to run a stored model in process: predict, the weight check of an import, the check of an export, the feature maps of a stored model',
    applies: (from, l) => l === 'service' && !['service/predict.ts', 'service/import.ts', 'service/export.ts', 'service/inside.ts'].includes(from),
    forbids: (_, l) => l === 'engine',
  },
  { says: 'service never imports the adapters', applies: (_, l) => l === 'service', forbids: (_, l) => l.startsWith('api/') },
  { says: 'engine imports neither jobs nor store (nor service, api or data)', applies: (_, l) => l === 'engine', forbids: (_, l) => ['jobs', 'store', 'service', 'data', 'files'].includes(l) || l.startsWith('api/') },
  {
    says: 'architecture is pure: it imports only itself and the shared helpers, never the engine or the native addon',
    applies: (_, l) => l === 'architecture',
    forbids: (_, l) => l !== 'architecture' && l !== 'shared',
  },
  { says: 'store imports neither service, jobs, api nor engine', applies: (_, l) => l === 'store', forbids: (_, l) => ['service', 'jobs', 'engine'].includes(l) || l.startsWith('api/') },
  { says: 'data imports neither service, jobs, api, store nor engine', applies: (_, l) => l === 'data', forbids: (_, l) => ['service', 'jobs', 'store', 'engine'].includes(l) || l.startsWith('api/') },
  {
    says: 'export reads graphs and weights only: it imports architecture and the shared helpers, never the engine, the store or the service',
    applies: (_, l) => l === 'export',
    forbids: (_, l) => l !== 'export' && l !== 'architecture' && l !== 'shared',
  },
  {
    says: 'weights parses checkpoint files only: it imports the shared helpers and nothing else',
    applies: (_, l) => l === 'weights',
    forbids: (_, l) => l !== 'weights' && l !== 'shared',
  },
  { says: 'files imports nothing of the project', applies: (_, l) => l === 'files', forbids: (_, l) => l !== 'files' },
  { says: 'metrics imports nothing of the project', applies: (_, l) => l === 'metrics', forbids: (_, l) => l !== 'metrics' },
  { says: 'shared helpers import nothing of the layers', applies: (_, l) => l === 'shared', forbids: (_, l) => l !== 'shared' },
  { says: 'the REST adapter imports neither the engine nor the gRPC adapter', applies: (_, l) => l === 'api/http', forbids: (_, l) => l === 'engine' || l === 'api/grpc' },
  { says: 'the gRPC adapter imports neither the engine nor the REST adapter', applies: (_, l) => l === 'api/grpc', forbids: (_, l) => l === 'engine' || l === 'api/http' },
  {
    // The CLI is an entry point of its own: with no --server it starts the service for one command, as `npm start` does,
    // through the same runtime wiring (never server.ts or worker.ts, which run at import).
    says: 'nothing but the entry points imports the entry points (the CLI may use the runtime)',
    applies: (_, l) => l !== 'entry' && l !== 'cli',
    forbids: (_, l) => l === 'entry',
  },
  { says: 'the CLI uses the entry points only through runtime.ts', applies: (_, l) => l === 'cli', forbids: (to, l) => l === 'entry' && to !== 'runtime.ts' },
  { says: 'sources import nothing outside src/ but packages', applies: () => true, forbids: (_, l) => l === 'outside' },
];

const where = (e: ImportEdge) => `src/${e.from}:${e.line} imports '${e.specifier}'`;

/** Every import that breaks a rule, as `file:line imports '…' — rule`. */
export function ruleViolations(edges: ImportEdge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const fl = layerOf(e.from);
    const tl = layerOf(e.to);
    for (const r of RULES) if (r.applies(e.from, fl) && r.forbids(e.to, tl)) out.push(`${where(e)} — ${r.says}`);
  }
  return out;
}

/** Each loop between layers (Tarjan's strongly connected components), with the imports that close it. */
export function layerCycles(edges: ImportEdge[]): string[] {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    if (a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    if (!graph.has(b)) graph.set(b, new Set());
    graph.get(a)!.add(b);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) components.push(comp.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((comp) => {
    const inside = edges.filter((e) => comp.includes(layerOf(e.from)) && comp.includes(layerOf(e.to)) && layerOf(e.from) !== layerOf(e.to));
    return `layers ${comp.join(' ↔ ')} import each other: ${inside.map(where).join('; ')}`;
  });
}

describe('the layers of src/', () => {
  const edges = importEdges(SRC);

  it('reads the imports of every layer', () => {
    const layers = new Set(edges.map((e) => layerOf(e.from)));
    for (const l of ['api/http', 'api/grpc', 'service', 'jobs', 'store', 'architecture', 'data', 'engine', 'entry', 'cli']) expect(layers, l).toContain(l);
  });

  it('point one way', () => {
    expect(ruleViolations(edges)).toEqual([]);
  });

  it('have no loops between folders', () => {
    expect(layerCycles(edges)).toEqual([]);
  });
});

describe('the layer check itself', () => {
  /** A throwaway source tree, to show the check fails where it should. */
  function tree(files: Record<string, string>): ImportEdge[] {
    const root = mkdtempSync(join(tmpdir(), 'cnn-layers-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return importEdges(root);
  }

  it('names the file, line and import that break an arrow', () => {
    const edges = tree({
      'jobs/train.ts': "// a comment: import { x } from '../service/ignored.js';\nimport { getJob } from '../service/jobs.js';\n",
      'service/jobs.ts': "export const getJob = 1;\nimport type { Fitter } from '../jobs/fit.js';\nimport { q } from '../jobs/queue.js';\n",
      'api/grpc/server.ts': "const m = await import('../../engine/index.js');\n",
      'architecture/index.ts': "export * from '../../native/build/Release/cnn.node';\n",
    });
    expect(ruleViolations(edges).sort()).toEqual([
      "src/api/grpc/server.ts:1 imports '../../engine/index.js' — the gRPC adapter imports neither the engine nor the REST adapter",
      "src/architecture/index.ts:1 imports '../../native/build/Release/cnn.node' — architecture is pure: it imports only itself and the shared helpers, never the engine or the native addon",
      "src/architecture/index.ts:1 imports '../../native/build/Release/cnn.node' — sources import nothing outside src/ but packages",
      "src/jobs/train.ts:2 imports '../service/jobs.js' — jobs never imports service or api",
      "src/service/jobs.ts:2 imports '../jobs/fit.js' — service imports from jobs only the queue",
    ]);
  });

  it('finds a loop between folders that no single rule forbids', () => {
    const edges = tree({
      'cli/main.ts': "import { a } from '../extra/a.js';\n",
      'extra/a.ts': "import { b } from '../cli/b.js';\n",
      'cli/b.ts': 'export const b = 1;\n',
    });
    expect(layerCycles(edges)).toEqual(["layers cli ↔ extra import each other: src/cli/main.ts:1 imports '../extra/a.js'; src/extra/a.ts:1 imports '../cli/b.js'"]);
  });
});
