// Writes openapi.yaml from the zod schemas (src/api/http/openapi.ts).
import { writeFileSync } from 'node:fs';
import { renderOpenApi } from '../src/api/http/openapi.js';

writeFileSync(new URL('../openapi.yaml', import.meta.url), renderOpenApi());
process.stdout.write('wrote openapi.yaml\n');
