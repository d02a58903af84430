// PyTorch checkpoints as torchvision publishes them: files written by
// Debian's python3-torch with torch.save(model.state_dict()) import through
// POST /v1/models/import and compute torchvision's logits; hostile or
// unsupported files are refused with their own codes, and nothing in a pickle
// runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSpec } from '../../src/architecture/index.js';
import { createEngineModel } from '../../src/engine/index.js';
import { asF32, readSt } from '../engine/safetensors.js';
import { once } from 'node:events';
import type { ClientWritableStream } from '@grpc/grpc-js';
import type { ImportModelRequest } from '../../src/api/grpc/generated/cnn/v1/ImportModelRequest.js';
import type { Model__Output } from '../../src/api/grpc/generated/cnn/v1/Model.js';
import { auth, expectStatus, grpcClients, unary } from '../helpers/grpc-client.js';
import { fileBlob, KEY_A, startTestService, type TestService } from '../helpers/service.js';

const PYTHON = '/usr/bin/python3';
const HELPER = join(dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'torchvision_state.py');
const hasTorchvision = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'cnn-pth-'));
let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({ workers: 0, grpc: true });
});
afterAll(async () => {
  await svc?.close();
});

async function importPth(file: string, fields: Record<string, string>): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.set('weights', fileBlob(readFileSync(file)), 'weights.pth');
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const res = await svc.call('/v1/models/import', { method: 'POST', body: form });
  return { status: res.status, body: await res.json() };
}

describe.skipIf(!hasTorchvision)('torch.save checkpoints', () => {
  it.each([
    ['resnet18', [32, 32, 3]],
    ['mobilenet_v2', [32, 32, 3]],
    ['efficientnet_b0', [32, 32, 3]],
  ] as const)('%s: imports and gives torchvision logits', async (zoo, inputShape) => {
    const out = join(dir, zoo);
    execFileSync(PYTHON, [HELPER, zoo, '--classes', '10', '--input', inputShape.join(','), '--save', out], { stdio: 'ignore', timeout: 120_000 });
    const { status, body } = await importPth(join(out, 'weights.pth'), { zoo, numClasses: '10', inputShape: JSON.stringify(inputShape) });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.source).toBe('import');

    // The stored artifact, loaded as predict loads it, computes torchvision's logits on torchvision's input.
    const { graph } = compileSpec(body.spec);
    const model = await createEngineModel(graph, { device: 'cpu', precision: 'fp32' });
    await model.loadWeights(join(svc.dataDir, 'models', body.id, 'weights.safetensors'));
    const io = readSt(join(out, 'io.safetensors'));
    const want = asF32(io.tensors.get('logits')!);
    const got = await model.forward(asF32(io.tensors.get('input')!), 2);
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    model.dispose();
  }, 180_000);

  it('reads a state dict wrapped under state_dict or model, and strided views', async () => {
    const script = `
import torch, torchvision, sys
m = torchvision.models.resnet18(num_classes=10)
sd = m.state_dict()
# A transposed view stored as it is: the file keeps the storage and the strides.
sd['fc.weight'] = torch.randn(512, 10).t()
torch.save({'state_dict': sd, 'epoch': 7, 'optimizer': {'lr': 0.1}}, sys.argv[1] + '/wrapped.pth')
torch.save({'model': sd}, sys.argv[1] + '/model.pth')
torch.save(sd['fc.weight'].contiguous(), sys.argv[1] + '/fc.pt')
print(' '.join(repr(v) for v in sd['fc.weight'].flatten()[:12].tolist()))
`;
    const firstValues = execFileSync(PYTHON, ['-c', script, dir], { encoding: 'utf8', timeout: 120_000 }).trim().split(' ').map(Number);
    for (const f of ['wrapped.pth', 'model.pth']) {
      // torchvision's own stem: 224 px, where the zoo's resnet18 is torchvision's exactly.
      const { status, body } = await importPth(join(dir, f), { zoo: 'resnet18', numClasses: '10', inputShape: '[224,224,3]' });
      expect(status, `${f}: ${JSON.stringify(body)}`).toBe(201);
      const stored = asF32(readSt(join(svc.dataDir, 'models', body.id, 'weights.safetensors')).tensors.get('fc.weight')!);
      expect(Array.from(stored.subarray(0, 12))).toEqual(firstValues.map(Math.fround));
    }
  }, 120_000);

  it('refuses what is not a plain state dict, by code', async () => {
    const script = `
import torch, torchvision, pickle, zipfile, os, sys
d = sys.argv[1]
class Evil:
    def __reduce__(self):
        return (os.system, ('touch ' + d + '/PWNED',))
with zipfile.ZipFile(d + '/evil.pth', 'w') as z:
    z.writestr('archive/data.pkl', pickle.dumps({'conv1.weight': Evil()}, protocol=2))
    z.writestr('archive/version', '3\\n')
m = torchvision.models.resnet18(num_classes=10)
torch.save(m, d + '/whole-module.pth')
torch.save(m.state_dict(), d + '/legacy.pth', _use_new_zipfile_serialization=False)
torch.save({'epoch': 3, 'note': 'no weights here'}, d + '/no-tensors.pth')
`;
    execFileSync(PYTHON, ['-c', script, dir], { stdio: 'ignore', timeout: 120_000 });
    const fields = { zoo: 'resnet18', numClasses: '10', inputShape: '[32,32,3]' };
    const evil = await importPth(join(dir, 'evil.pth'), fields);
    expect(evil.status).toBe(400);
    expect(evil.body.error).toMatchObject({ code: 'WEIGHTS_UNSAFE_PICKLE', path: 'weights' });
    expect(evil.body.error.message).toMatch(/posix\.system|os\.system/);
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);

    const whole = await importPth(join(dir, 'whole-module.pth'), fields);
    expect(whole.body.error).toMatchObject({ code: 'WEIGHTS_UNSAFE_PICKLE' });
    expect(whole.body.error.message).toMatch(/torchvision\.models\.resnet\.ResNet/);

    expect((await importPth(join(dir, 'legacy.pth'), fields)).body.error).toMatchObject({ code: 'WEIGHTS_LEGACY_FORMAT', path: 'weights' });
    expect((await importPth(join(dir, 'no-tensors.pth'), fields)).body.error).toMatchObject({ code: 'WEIGHTS_NOT_STATE_DICT', path: 'weights' });
    // A single tensor is not a state dict either.
    expect((await importPth(join(dir, 'fc.pt'), fields)).body.error).toMatchObject({ code: 'WEIGHTS_NOT_STATE_DICT' });
  }, 120_000);
});

describe.skipIf(!hasTorchvision)('gRPC ImportModel', () => {
  it('takes a torch.save file in chunks too, and refuses a hostile one by code', async () => {
    const c = grpcClients(svc.grpcTarget!);
    const send = (weights: Buffer) => {
      let call!: ClientWritableStream<ImportModelRequest>;
      const answer = unary<Model__Output>((cb) => (call = c.models.ImportModel(auth(KEY_A), cb)));
      void (async () => {
        const ended = answer.then(() => true, () => true);
        const write = async (msg: ImportModelRequest) => {
          if (!call.write(msg)) await Promise.race([once(call, 'drain'), ended]);
        };
        await write({ header: { zoo: 'resnet18', numClasses: 10, inputShape: [32, 32, 3] } });
        for (let at = 0; at < weights.length; at += 1 << 20) await write({ weightsChunk: weights.subarray(at, at + (1 << 20)) });
        call.end();
      })();
      return answer;
    };
    try {
      const model = await send(readFileSync(join(dir, 'resnet18', 'weights.pth')));
      expect(model.source).toBe('import');
      await expectStatus(send(readFileSync(join(dir, 'evil.pth'))), 3, { code: 'WEIGHTS_UNSAFE_PICKLE' });
    } finally {
      c.close();
    }
  }, 60_000);
});
