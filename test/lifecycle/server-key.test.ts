import { describe, expect, it } from 'vitest';
import { appJson, dotEnv, newLocalEnv } from '../../src/lifecycle/app-files.js';
import { parseConfigVars } from '../../src/platform/config-vars.js';

/** The engine server's key for /stop and /reload is generated like the event server's access key. */
describe('engine server key in new apps', () => {
  const input = { name: 'my-engine', description: 'An engine', buildpackUrl: 'https://example.com/buildpack' };

  it('app.json of a native app has Heroku generate PIO_SERVER_ACCESS_KEY; an Apache app has none', () => {
    const native = appJson({ ...input, runtime: 'native' }) as { env: Record<string, unknown> };
    expect(native.env.PIO_SERVER_ACCESS_KEY).toMatchObject({ generator: 'secret', required: true });
    const apache = appJson({ ...input, runtime: 'apache' }) as { env: Record<string, unknown> };
    expect(apache.env.PIO_SERVER_ACCESS_KEY).toBeUndefined();
  });

  it('the local .env gets a fresh key of its own, apart from the access key', () => {
    const [first, second] = [newLocalEnv('my-engine'), newLocalEnv('my-engine')];
    const vars = parseConfigVars(dotEnv(first), '.env');
    expect(vars.PIO_SERVER_ACCESS_KEY).toBe(first.serverKey);
    expect(first.serverKey).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{63}$/);
    expect(first.serverKey).not.toBe(first.accessKey);
    expect(second.serverKey).not.toBe(first.serverKey);
  });
});
