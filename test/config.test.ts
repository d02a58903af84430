import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has defaults for the embedded setup', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.redisUrl).toBeUndefined();
    expect(c.dataDir.endsWith('/data')).toBe(true);
    expect(c.device).toBe('auto');
    expect(c.apiKeys).toBeUndefined();
  });

  it('parses keys into tenants', () => {
    const c = loadConfig({ CNN_API_KEYS: 'acme:secret-key-1, beta:secret-key-2' });
    expect(c.apiKeys?.get('secret-key-1')).toBe('acme');
    expect(c.apiKeys?.get('secret-key-2')).toBe('beta');
  });

  it("leaves the command line's own variables to it", () => {
    expect(() => loadConfig({ CNN_URL: 'http://127.0.0.1:8080', CNN_KEY: 'k-123' })).not.toThrow();
  });

  it.each([
    [{ CNN_WORKRES: '2' }, /CNN_WORKRES/],
    [{ PORT: 'eighty' }, /PORT/],
    [{ CNN_DEVICE: 'tpu' }, /CNN_DEVICE/],
    [{ CNN_API_KEYS: 'nocolon' }, /CNN_API_KEYS/],
    [{ REDIS_URL: 'not a url' }, /REDIS_URL/],
  ])('refuses %j naming the variable', (env, re) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(re);
  });
});
