// Renders the configuration table of README.md from src/config.ts (CONFIG_DOCS).
// `npm run docs` rewrites it; a test fails when the README's table is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigTable } from '../src/config.js';

const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';

export function withConfigTable(readme: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error('README.md lacks the config-table markers');
  return `${readme.slice(0, a + START.length)}\n${renderConfigTable()}${readme.slice(b)}`;
}

if (process.argv[1]?.endsWith('readme-config.ts')) {
  const path = new URL('../README.md', import.meta.url);
  writeFileSync(path, withConfigTable(readFileSync(path, 'utf8')));
  process.stdout.write('updated the configuration table in README.md\n');
}
