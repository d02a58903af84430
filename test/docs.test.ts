import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderOpenApi } from '../src/api/http/openapi.js';
import { withConfigTable } from '../scripts/readme-config.js';

describe('generated docs are current', () => {
  it('openapi.yaml equals what the zod schemas generate (run `npm run openapi`)', () => {
    expect(readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8')).toBe(renderOpenApi());
  });

  it("README's configuration table equals src/config.ts (run `npm run docs`)", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toBe(withConfigTable(readme));
  });

  it('the README gives the two quick-start commands', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
  });
});
