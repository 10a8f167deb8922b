import { execa } from 'execa';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/lib/net.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const CLI = resolve('bin/pio-deploy');
const NATIVE_PIO = resolve('bin/pio');
const FIXTURE_ENGINE = resolve('test/fixtures/engines/mean');

describe('pio-deploy web with the real native pio and no trained engine (BEHAVIOUR.md#untrained-release)', () => {
  let dir: string | undefined;
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
    db = undefined;
    dir = undefined;
  });

  it("surfaces pio deploy's upstream error with the reason and the fix, and exits non-zero at once", async () => {
    db = await createTestDatabase('pio_w11');
    dir = await mkdtemp(join(tmpdir(), 'pio-w11-'));
    const appDir = join(dir, 'app');
    await cp(FIXTURE_ENGINE, appDir, { recursive: true });
    await mkdir(join(appDir, 'data'));
    await cp(join(FIXTURE_ENGINE, 'engine.json'), join(appDir, 'data', 'initial-events.json'));
    // No PredictionIO-dist in the app: pio-deploy finds the checkout's native pio on PATH.
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await symlink(NATIVE_PIO, join(bin, 'pio'));
    const home = join(dir, 'home');
    await mkdir(home);

    const started = Date.now();
    const result = await execa(CLI, ['web', '--app-dir', appDir], {
      env: {
        PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        HOME: home,
        PIO_HOME: join(home, '.pio'),
        PORT: String(await freePort()),
        DATABASE_URL: db.url,
        PIO_POSTGRES_OPTIONAL_SSL: 'true',
        PIO_MEMORY_LIMIT: '1g',
      },
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    });
    expect(result.exitCode, result.stderr).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.stdout).toMatch(/\[ERROR\] \[Engine\$\] No valid engine instance found for engine src\/engine\.ts#createEngine [0-9a-f]{40}\./);
    expect(result.stdout).not.toContain('Engine API is live');
    expect(result.stderr).toContain(' !     No trained engine to serve');
    expect(result.stderr).toContain(
      ' !     The release phase skipped training because PIO_EVENTSERVER_APP_NAME is required to load data.',
    );
    expect(result.stderr).toMatch(/Run pio-deploy train .* or set the missing config vars/);
    expect(result.stderr).not.toContain('embedded PostgreSQL');
    expect(`${result.stdout}${result.stderr}`).not.toContain(decodeURIComponent(new URL(db.url).password || 'no-password'));
  });
});
