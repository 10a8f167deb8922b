import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pgConnectionFromDatabaseUrl } from '../../src/config/database-url.js';
import { ReleaseStateStore } from '../../src/dyno/release-state.js';
import { freePort } from '../../src/lib/net.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { createRuntimeApp, type RuntimeApp } from './runtime-app.js';

describe('pio-deploy release and its database', () => {
  let app: RuntimeApp | undefined;
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('pio_release_db');
  });
  afterEach(async () => {
    await app?.cleanup();
    app = undefined;
    await db.drop();
  });

  const releaseWith = async (databaseUrl: string) => {
    app = await createRuntimeApp();
    await app.write('data/initial-events.json', '{}\n');
    return app.run(['release'], {
      DATABASE_URL: databaseUrl,
      PIO_POSTGRES_OPTIONAL_SSL: 'true',
      PIO_EVENTSERVER_APP_NAME: 'myapp',
      PIO_EVENTSERVER_ACCESS_KEY: 'someAccessKey_0123456789',
    });
  };

  it.each([
    ['a wrong password', async (url: URL) => void (url.password = 'not-the-Password-42'), /password authentication failed/],
    ['a closed port', async (url: URL) => void (url.port = String(await freePort())), /ECONNREFUSED/],
    ['an unknown host', async (url: URL) => void (url.hostname = 'no-such-host.invalid'), /ENOTFOUND|EAI_AGAIN/],
  ])('fails with one line naming DATABASE_URL for %s, no stack trace and no password', async (_case, change, reason) => {
    const url = new URL(db.url);
    await change(url);
    const result = await releaseWith(url.toString());
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^ ! {5}Could not connect to the database in DATABASE_URL \(.+\)\.$/m);
    expect(result.stderr).toMatch(reason);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    for (const secret of [url.password, new URL(db.url).password]) {
      expect(`${result.stdout}${result.stderr}`).not.toContain(decodeURIComponent(secret));
    }
    expect(await app!.calls()).toEqual([]);
  });

  it('a second session waits for the release lock, and gives up after its timeout naming the app', async () => {
    const connection = pgConnectionFromDatabaseUrl(db.url, { optionalSsl: true });
    const first = await ReleaseStateStore.open(connection);
    const second = await ReleaseStateStore.open(connection);
    try {
      await first.lockRelease('myapp');
      let waited = 0;
      const started = Date.now();
      await expect(second.lockRelease('myapp', { timeoutMs: 1_000, onWait: () => waited++ })).rejects.toThrow(
        "Another release of 'myapp' has been running for more than 1 s",
      );
      expect(waited).toBe(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      // another app is not held up
      await second.lockRelease('otherapp', { timeoutMs: 0 });
      // the lock goes with the session
      await first.close();
      await second.lockRelease('myapp', { timeoutMs: 5_000 });
    } finally {
      await first.close().catch(() => undefined);
      await second.close();
    }
  });
});
