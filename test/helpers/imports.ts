// Reads the relative import statements of the TypeScript sources under a
// folder: static imports, re-exports, side-effect imports and dynamic import().
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface ImportEdge {
  /** The importing file, relative to the source root, with `/` separators. */
  from: string;
  /** The imported file, relative to the source root (`.js` specifiers mapped to `.ts`). */
  to: string;
  /** The specifier as written. */
  specifier: string;
  line: number;
}

const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm;

function stripComments(text: string): string {
  // Keep line numbers: replace comment characters with spaces, never newlines.
  return text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"\\])\/\/.*$/gm, (m, p1: string) => p1 + ' '.repeat(m.length - p1.length));
}

export function sourceFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts') && !d.name.endsWith('.d.ts'))
    .map((d) => relative(root, join(d.parentPath, d.name)).split(sep).join('/'))
    .sort();
}

export function importEdges(root: string, files = sourceFiles(root)): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = stripComments(readFileSync(join(root, file), 'utf8'));
    for (const m of text.matchAll(IMPORT_RE)) {
      const specifier = m[2]!;
      if (!specifier.startsWith('.')) continue;
      const target = relative(root, resolve(root, dirname(file), specifier)).split(sep).join('/').replace(/\.js$/, '.ts');
      const line = text.slice(0, m.index).split('\n').length;
      edges.push({ from: file, to: target, specifier, line });
    }
  }
  return edges;
}
