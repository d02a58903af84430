// Uploads with a label manifest over REST: a good one is a dataset, a bad line
// is 400 MANIFEST_INVALID with the line and column in the path.
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeZip, type ArchiveFile } from '../helpers/fixtures.js';
import { fileBlob, startTestService, type TestService } from '../helpers/service.js';
import { blockPng } from '../data/preflight-fixtures.js';

let svc: TestService;
let tmp: string;
let images: ArchiveFile[];

beforeAll(async () => {
  svc = await startTestService({ workers: 0 });
  tmp = mkdtempSync(join(tmpdir(), 'cnn-manifest-'));
  images = await Promise.all(Array.from({ length: 4 }, async (_, i) => ({ name: `photos/${i}.png`, data: await blockPng(i + 1) })));
}, 60_000);
afterAll(async () => svc?.close());

async function upload(manifest: string): Promise<{ status: number; body: any }> {
  const file = join(tmp, `${Math.random().toString(36).slice(2)}.zip`);
  await writeZip(file, [...images, { name: 'manifest.csv', data: Buffer.from(manifest) }]);
  const form = new FormData();
  form.set('archive', fileBlob(readFileSync(file)), 'data.zip');
  const res = await svc.call('/v1/datasets', { method: 'POST', body: form });
  return { status: res.status, body: await res.json() };
}

it('a manifest.csv archive becomes a dataset with its labels and splits', async () => {
  const { status, body } = await upload('path,label,split\nphotos/0.png,cat,train\nphotos/1.png,dog,train\nphotos/2.png,cat,test\nphotos/3.png,dog,test\n');
  expect(status, JSON.stringify(body)).toBe(201);
  expect(body.classes).toEqual(['cat', 'dog']);
  expect(body.counts).toEqual({ train: [1, 1], test: [1, 1] });
});

it('a bad line is 400 MANIFEST_INVALID naming the line and the column', async () => {
  const { status, body } = await upload('path,label,split\nphotos/0.png,cat,train\nphotos/9.png,dog,train\n');
  expect(status).toBe(400);
  expect(body.error).toMatchObject({ code: 'MANIFEST_INVALID', path: 'manifest.csv[3].path', details: { manifest: 'manifest.csv', line: 3, column: 'path' } });
});
