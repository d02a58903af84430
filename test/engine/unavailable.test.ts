import { describe, expect, it } from 'vitest';
import { CnnError } from '../../src/errors.js';
import { engineInfo, toEngineError } from '../../src/engine/index.js';

describe('engine errors on the TypeScript side', () => {
  // This file loads no addon before this test: vitest gives each test file fresh modules.
  it('reports a missing addon as ENGINE_UNAVAILABLE and says how to build it', () => {
    const saved = process.env.CNN_NATIVE_ADDON;
    process.env.CNN_NATIVE_ADDON = '/nonexistent/cnn_native.node';
    try {
      expect(() => engineInfo()).toThrow(CnnError);
      try {
        engineInfo();
      } catch (e) {
        expect((e as CnnError).code).toBe('ENGINE_UNAVAILABLE');
        expect((e as CnnError).message).toContain('npm run bootstrap');
      }
    } finally {
      if (saved === undefined) delete process.env.CNN_NATIVE_ADDON;
      else process.env.CNN_NATIVE_ADDON = saved;
    }
  });

  it('keeps known codes and name lists, and turns anything else into ENGINE_INTERNAL', () => {
    const shape = toEngineError(Object.assign(new Error('mat1 and mat2 shapes cannot be multiplied'), { code: 'ENGINE_SHAPE_ERROR' }));
    expect(shape.code).toBe('ENGINE_SHAPE_ERROR');
    expect(shape.message).toContain('mat1');
    const mismatch = toEngineError(Object.assign(new Error('does not fit'), { code: 'ENGINE_WEIGHTS_MISMATCH', missing: ['a.weight'], unexpected: [], mismatched: ['b.bias'] }));
    expect(mismatch.details).toEqual({ missing: ['a.weight'], unexpected: [], mismatched: ['b.bias'] });
    expect(toEngineError(Object.assign(new Error('?'), { code: 'EWHATEVER' })).code).toBe('ENGINE_INTERNAL');
    expect(toEngineError('plain string').code).toBe('ENGINE_INTERNAL');
    const already = new CnnError('ENGINE_CANCELLED', 'stopped');
    expect(toEngineError(already)).toBe(already);
  });
});
