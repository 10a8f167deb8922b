import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import type { SpyBehaviour } from '../helpers/spy-pio.js';
import { createRuntimeApp, expectNoSecrets, type RuntimeApp } from './runtime-app.js';

const APP = 'myapp';
const ACCESS_KEY = 'releaseKey_0123456789abcdefghijklmnopqrstuvwxyz';
const INITIAL = ['import', '--appid', '4', '--input', 'data/initial-events.json', '--', '--driver-memory', '640m'];
const SYNC = ['import', '--appid', '4', '--input', 'data/sync-events.json', '--', '--driver-memory', '640m'];
const TRAIN = ['train', '--', '--driver-memory', '640m'];
const SHOW = ['app', 'show', APP];
const NEW = ['app', 'new', '--access-key', ACCESS_KEY, APP];
const PURGE = ['app', 'data-delete', '-f', APP];

const appShowOk: SpyBehaviour = {
  stdout: [
    `[INFO] [Pio$]     App Name: ${APP}`,
    '[INFO] [Pio$]       App ID: 4',
    '[INFO] [Pio$]  Description: ',
    `[INFO] [Pio$]   Access Key: ${ACCESS_KEY} | (all)`,
  ],
};
const appShowMissing: SpyBehaviour = { exitCode: 1, stdout: [`[ERROR] [App$] App ${APP} does not exist. Aborting.`] };
const appNewOk: SpyBehaviour = {
  stdout: [
    '[INFO] [App$] Initialized Event Store for this app ID: 4.',
    '[INFO] [Pio$] Created a new app:',
    `[INFO] [Pio$]       Name: ${APP}`,
    '[INFO] [Pio$]         ID: 4',
    `[INFO] [Pio$] Access Key: ${ACCESS_KEY}`,
  ],
};

describe('pio-deploy release', () => {
  let app: RuntimeApp | undefined;
  let db: TestDatabase;
  let dbPassword: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    db = await createTestDatabase('pio_release');
    dbPassword = new URL(db.url).password;
    env = {
      DATABASE_URL: db.url,
      PIO_POSTGRES_OPTIONAL_SSL: 'true',
      PIO_EVENTSERVER_APP_NAME: APP,
      PIO_EVENTSERVER_ACCESS_KEY: ACCESS_KEY,
    };
  });
  afterEach(async () => {
    await app?.cleanup();
    app = undefined;
    await db.drop();
  });

  async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }
  const importState = () => query<{ app_id: number; status: string }>('SELECT app_id, status FROM pio_deploy_data_imports');
  const argvs = async () => (await app!.calls()).map((call) => call.argv);

  it('PIO_TRAIN_ON_RELEASE=false skips data and training, exit 0', async () => {
    app = await createRuntimeApp();
    await app.write('data/initial-events.json', '{}\n');
    const result = await app.run(['release'], { ...env, PIO_TRAIN_ON_RELEASE: 'false' });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Skipping train on release');
    expect(await argvs()).toEqual([]);
  });

  it('trains when there are no data hooks', async () => {
    app = await createRuntimeApp();
    const result = await app.run(['release'], {});
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(await argvs()).toEqual([TRAIN]);
  });

  it('never trains an event server app', async () => {
    app = await createRuntimeApp();
    const result = await app.run(['release'], { PIO_RUN_AS_EVENTSERVER: 'true' });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Event server app: nothing to train');
    expect(await argvs()).toEqual([]);
  });

  it.each([
    ['DATABASE_URL', { DATABASE_URL: '' }, []],
    ['PIO_EVENTSERVER_APP_NAME', { PIO_EVENTSERVER_APP_NAME: '' }, []],
    ['PIO_EVENTSERVER_ACCESS_KEY', { PIO_EVENTSERVER_ACCESS_KEY: '' }, [SHOW]],
  ])('missing %s is transient: message on stdout, no training, exit 0 (load-data exits 3)', async (name, overrides, calls) => {
    app = await createRuntimeApp({ spy: { commands: { 'app show': appShowMissing } } });
    await app.write('data/initial-events.json', '{}\n');
    const release = await app.run(['release'], { ...env, ...overrides });
    expect(release.exitCode).toBe(0);
    expect(release.stdout).toContain(`${name} is required`);
    expect(release.stdout).toContain('Transient error loading data. Skipping train on release.');
    expect(release.stderr).toBe('');
    expect(await argvs()).toEqual(calls);

    const loadData = await app.run(['load-data'], { ...env, ...overrides });
    expect(loadData.exitCode).toBe(3);
    expect(loadData.stdout).toContain(`${name} is required`);
    expect(loadData.stderr).toBe('');
  });

  it('creates the app, imports the initial events, records it and trains, never printing secrets', async () => {
    app = await createRuntimeApp({ spy: { commands: { 'app show': appShowMissing, 'app new': appNewOk } } });
    await app.write('data/initial-events.json', '{"event":"$set","entityType":"user","entityId":"1"}\n');
    const result = await app.run(['release'], env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(await argvs()).toEqual([SHOW, NEW, INITIAL, TRAIN]);
    expect(await importState()).toEqual([{ app_id: 4, status: 'completed' }]);
    expect(result.stdout).toMatch(/Access Key: \*{3,}\n/);
    // The existence probe's expected "does not exist" answer is not shown as an error.
    expect(result.stdout).not.toContain('does not exist');
    expectNoSecrets(result, [ACCESS_KEY, dbPassword]);
  });

  it('imports the initial data again after a failed first import (BEHAVIOUR.md#idempotent-data-import), clearing partial events', async () => {
    app = await createRuntimeApp({
      spy: { commands: { 'app show': [appShowMissing, appShowOk], 'app new': appNewOk, import: [{ exitCode: 5 }, {}] } },
    });
    await app.write('data/initial-events.json', '{}\n');
    const first = await app.run(['release'], env);
    expect(first.exitCode).toBe(5);
    expect(first.stderr).toContain('the next release imports the initial events again');
    expect(await importState()).toEqual([{ app_id: 4, status: 'pending' }]);

    // the failed import left part of the data behind
    await query('CREATE TABLE pio_event_4 (id text primary key); INSERT INTO pio_event_4 VALUES (\'partial\')');
    const second = await app.run(['release'], env);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain('did not complete in an earlier release');
    expect(await argvs()).toEqual([SHOW, NEW, INITIAL, SHOW, PURGE, INITIAL, TRAIN]);
    expect(await importState()).toEqual([{ app_id: 4, status: 'completed' }]);
  });

  it('runs the sync hook on later releases and purges first when PIO_PURGE_EVENTS_ON_SYNC=true', async () => {
    app = await createRuntimeApp({ spy: { commands: { 'app show': appShowOk } } });
    await query(`CREATE TABLE pio_deploy_data_imports (app_name text primary key, app_id integer not null, status text not null, updated_at timestamptz not null default now());
      INSERT INTO pio_deploy_data_imports (app_name, app_id, status) VALUES ('${APP}', 4, 'completed')`);
    await app.write('data/initial-events.json', '{}\n');
    await app.write(
      'data/create-sync-events',
      '#!/usr/bin/env bash\nset -e\necho "sync hook sees app $PIO_EVENTSERVER_APP_NAME"\necho "{}" > data/sync-events.json\n',
      0o755,
    );
    const result = await app.run(['release'], { ...env, PIO_PURGE_EVENTS_ON_SYNC: 'true' });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('       sync hook sees app myapp');
    expect(result.stdout).toContain("Found app 'myapp' (ID 4).");
    expect(await argvs()).toEqual([SHOW, PURGE, SYNC, TRAIN]);
  });

  it('trains without importing when the sync hook writes no file', async () => {
    app = await createRuntimeApp({ spy: { commands: { 'app show': appShowOk } } });
    await query(`CREATE TABLE pio_event_4 (id text); INSERT INTO pio_event_4 VALUES ('e1')`);
    await app.write('data/initial-events.json', '{}\n');
    await app.write('data/create-sync-events', '#!/usr/bin/env bash\nexit 0\n', 0o755);
    const result = await app.run(['release'], env);
    expect(result.exitCode, result.stderr).toBe(0);
    // an existing app with events but no record (older buildpack) counts as loaded
    expect(result.stdout).toContain("'myapp' already has events");
    expect(result.stdout).toContain('No event data found to import');
    expect(await argvs()).toEqual([SHOW, TRAIN]);
    expect(await importState()).toEqual([{ app_id: 4, status: 'completed' }]);
  });

  it('imports the initial data into an existing app that has no events and no record', async () => {
    app = await createRuntimeApp({ spy: { commands: { 'app show': appShowOk } } });
    await app.write('data/initial-events.json', '{}\n');
    const result = await app.run(['release'], env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('has no events yet');
    expect(await argvs()).toEqual([SHOW, INITIAL, TRAIN]);
  });

  it('runs data/create-initial-events before importing, with storage settings in its environment', async () => {
    app = await createRuntimeApp({ spy: { commands: { 'app show': appShowMissing, 'app new': appNewOk } } });
    await app.write(
      'data/create-initial-events',
      '#!/usr/bin/env bash\nset -e\nprintf "%s" "$PIO_STORAGE_SOURCES_PGSQL_URL" > hook-saw-url\necho "{}" > data/initial-events.json\n',
      0o755,
    );
    const result = await app.run(['release'], env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await argvs()).toEqual([SHOW, NEW, INITIAL, TRAIN]);
    expect(await readFile(join(app.dir, 'hook-saw-url'), 'utf8')).toMatch(/^jdbc:postgresql:\/\/[\w.]+:\d+\/pio_release_\w+$/);
  });

  it.each([
    ['exits non-zero', '#!/usr/bin/env bash\nexit 4\n', 0o755, 4, 'failed with exit code 4'],
    ['writes no file', '#!/usr/bin/env bash\nexit 0\n', 0o755, 1, 'finished without writing data/initial-events.json'],
    ['is not executable', '#!/usr/bin/env bash\nexit 0\n', 0o644, 1, 'chmod +x data/create-initial-events'],
  ])('fails the release when the initial hook %s', async (_case, script, mode, exitCode, message) => {
    app = await createRuntimeApp({ spy: { commands: { 'app show': appShowMissing, 'app new': appNewOk } } });
    await app.write('data/create-initial-events', script, mode);
    const result = await app.run(['release'], env);
    expect(result.exitCode).toBe(exitCode);
    expect(result.stderr).toContain(message);
    expect(await argvs()).toEqual([SHOW, NEW]);
    expect(await importState()).toEqual([{ app_id: 4, status: 'pending' }]);
  });

  it('creates the app and syncs right away when there is only a sync hook (BEHAVIOUR.md#idempotent-data-import)', async () => {
    app = await createRuntimeApp({ spy: { commands: { 'app show': appShowMissing, 'app new': appNewOk } } });
    await app.write('data/create-sync-events', '#!/usr/bin/env bash\necho "{}" > data/sync-events.json\n', 0o755);
    const result = await app.run(['release'], env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await argvs()).toEqual([SHOW, NEW, SYNC, TRAIN]);
  });

  it('fails with the status of a failed sync import, and when the sync hook fails', async () => {
    app = await createRuntimeApp({ spy: { commands: { 'app show': appShowOk, import: { exitCode: 6 } } } });
    await app.write('data/create-sync-events', '#!/usr/bin/env bash\necho "{}" > data/sync-events.json\n', 0o755);
    const importFails = await app.run(['release'], env);
    expect(importFails.exitCode).toBe(6);
    expect(importFails.stderr).toContain('pio import of data/sync-events.json failed');

    await app.write('data/create-sync-events', '#!/usr/bin/env bash\nexit 8\n', 0o755);
    const hookFails = await app.run(['release'], env);
    expect(hookFails.exitCode).toBe(8);
    expect(hookFails.stderr).toContain('data/create-sync-events failed with exit code 8');
    expect(await argvs()).toEqual([SHOW, SYNC, SHOW]);
  });

  it('fails when pio app show prints no app id', async () => {
    app = await createRuntimeApp({ spy: { commands: { 'app show': { stdout: ['something unexpected'] } } } });
    await app.write('data/initial-events.json', '{}\n');
    const result = await app.run(['release'], env);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("Could not find the app id of 'myapp'");
    expect(await argvs()).toEqual([SHOW]);
  });

  it("fails with pio train's exit code", async () => {
    app = await createRuntimeApp({ spy: { commands: { train: { exitCode: 9 } } } });
    const result = await app.run(['release'], {});
    expect(result.exitCode).toBe(9);
    expect(result.stderr).toContain('pio train failed with exit code 9');
  });

  it('fails with the status of pio app new, never 3', async () => {
    app = await createRuntimeApp({ spy: { commands: { 'app show': appShowMissing, 'app new': { exitCode: 3 } } } });
    await app.write('data/initial-events.json', '{}\n');
    const result = await app.run(['load-data'], env);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('pio app new myapp failed');
  });
});
