import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, resolveStorageSettings, type Storage } from '../../src/native/storage/index.js';
import { engineIdentityOf, locateEngine, readEngineVariant } from '../../src/native/workflow/engine-variant.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { createRuntimeApp, type RuntimeApp } from './runtime-app.js';

// An Apache PredictionIO slug (its pio is the spy) on a real database: `pio-deploy models pin` writes
// the pin, and the web dyno's `pio deploy`, which knows nothing of pins, is told the instance.
describe('pio-deploy web on the Apache distribution follows the serving pin', () => {
  let database: TestDatabase;
  let app: RuntimeApp;
  let storage: Storage;
  let env: Record<string, string>;
  const ids: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('pio_apache_pin');
    app = await createRuntimeApp();
    await app.write('PredictionIO-dist/vendors/spark-hadoop/RELEASE', 'Spark\n');
    env = { PORT: '8532', DATABASE_URL: database.url, PIO_POSTGRES_OPTIONAL_SSL: 'true' };
    storage = await openStorage(resolveStorageSettings({ DATABASE_URL: database.url, PIO_POSTGRES_OPTIONAL_SSL: 'true' }));
    // Two trainings of the app's engine, as Apache's pio train records them (same identity scheme).
    const identity = engineIdentityOf(await readEngineVariant(await locateEngine({ engineDir: app.dir })));
    for (const day of [1, 2]) {
      ids.push(
        await storage.engineInstances.insert({
          status: 'COMPLETED',
          startTime: new Date(Date.UTC(2026, 11, day)),
          endTime: new Date(Date.UTC(2026, 11, day, 1)),
          ...identity,
          engineFactory: 'x.Engine',
          batch: '',
          env: {},
          sparkConf: {},
          dataSourceParams: '{"":{}}',
          preparatorParams: '{"":{}}',
          algorithmsParams: '[]',
          servingParams: '{"":{}}',
        }),
      );
    }
  });
  afterAll(async () => {
    await storage?.close();
    await app?.cleanup();
    await database?.drop();
  });

  const deployArgv = async () => (await app.calls()).filter((call) => call.argv[0] === 'deploy').at(-1)?.argv;

  it('passes --engine-instance-id only while a pin is set, and a PIO_OPTS choice wins', async () => {
    const unpinned = await app.run(['web'], env);
    expect(unpinned.exitCode, unpinned.stderr).toBe(0);
    expect(await deployArgv()).not.toContain('--engine-instance-id');

    const pinned = await app.run(['models', 'pin', ids[0]!], env);
    expect(pinned.exitCode, pinned.stderr).toBe(0);
    expect(pinned.stdout).toContain(`Pinned engine instance ${ids[0]}`);
    expect(pinned.stdout).toContain('restart them, e.g. heroku ps:restart web');

    const web = await app.run(['web'], env);
    expect(web.exitCode, web.stderr).toBe(0);
    expect(web.stdout).toContain(`Serving the pinned engine instance ${ids[0]}`);
    expect(await deployArgv()).toEqual(['deploy', '--port', '8532', '--engine-instance-id', ids[0], '--', '--driver-memory', '640m']);

    await app.run(['web'], { ...env, PIO_OPTS: `--engine-instance-id ${ids[1]}` });
    expect(await deployArgv()).toEqual(['deploy', '--port', '8532', '--engine-instance-id', ids[1], '--', '--driver-memory', '640m']);

    expect((await app.run(['models', 'unpin'], env)).exitCode).toBe(0);
    await app.run(['web'], env);
    expect(await deployArgv()).not.toContain('--engine-instance-id');
  });

  it('starts pio deploy anyway, with a warning, when the pin cannot be read', async () => {
    const result = await app.run(['web'], { PORT: '8532', DATABASE_URL: 'postgres://u:p4ss-w0rd@127.0.0.1:1/nowhere', PIO_POSTGRES_OPTIONAL_SSL: 'true' });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Could not read the serving pin \(.+\); pio deploy serves the newest training\./);
    expect(result.stderr + result.stdout).not.toContain('p4ss-w0rd');
    expect(await deployArgv()).not.toContain('--engine-instance-id');
  });
});
