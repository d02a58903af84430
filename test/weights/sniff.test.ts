// What kind of weights file an upload is, from its first bytes, including the
// safetensors file whose 640-byte header length starts with the pickle magic.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sniffWeights } from '../../src/weights/torch-zip.js';

const dir = mkdtempSync(join(tmpdir(), 'cnn-sniff-'));

function safetensors(headerLength: number): Buffer {
  const json = Buffer.alloc(headerLength, 0x20);
  json.write('{"__metadata__":{}}');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerLength));
  return Buffer.concat([len, json]);
}

describe('sniffWeights', () => {
  it.each([
    ['safetensors, 64-byte header', safetensors(64), 'safetensors'],
    ['safetensors, 640-byte header (starts 80 02 like a pickle)', safetensors(0x280), 'safetensors'],
    ['a torch.save zip', Buffer.from('PK\x03\x04\x00\x00\x00\x00\x00\x00rest', 'latin1'), 'torch-zip'],
    ['a legacy torch.save pickle', Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]), 'torch-legacy'],
    ['text', Buffer.from('hello, not weights'), 'unknown'],
  ])('%s', async (name, bytes, kind) => {
    const file = join(dir, name.replace(/\W+/g, '_'));
    writeFileSync(file, bytes);
    expect(await sniffWeights(file)).toBe(kind);
  });
});
