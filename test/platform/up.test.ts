import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.js';
import { stopEmbeddedPostgres } from '../../src/native/storage/embedded.js';
import { freePort } from '../../src/lib/net.js';
import { isRunning, waitFor } from '../../src/lib/process-tree.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { CLI, FIXTURE_BUILDPACK, commitFiles, createSandbox, getFixture, waitForOutput, type Sandbox } from './helpers.js';

const defer = cleanupAfterEach();

async function sandboxWithDatabase(extraEnv = ''): Promise<{ sandbox: Sandbox; db: TestDatabase }> {
  const db = await createTestDatabase('pio_platform');
  defer(() => db.drop());
  const sandbox = await createSandbox({
    'version.txt': 'v1\n',
    '.gitignore': '.env\n',
    '.slugignore': 'docs/\n*.log\n',
    'docs/guide.md': 'not in the slug\n',
    'debug.log': 'not in the slug\n',
  });
  defer(() => sandbox.cleanup());
  await import('node:fs/promises').then((fs) =>
    fs.writeFile(
      join(sandbox.appDir, '.env'),
      `# config vars\nexport GREETING="hello from .env" # comment\nDATABASE_URL='${db.url}'\n${extraEnv}`,
    ),
  );
  return { sandbox, db };
}

function startUp(sandbox: Sandbox, port: number) {
  const subprocess = execa(CLI, ['up', '--buildpack', FIXTURE_BUILDPACK, '--port', String(port)], {
    cwd: sandbox.appDir,
    env: sandbox.env,
    reject: false,
    all: true,
  });
  defer(async () => {
    if (subprocess.exitCode === null && subprocess.pid) subprocess.kill('SIGKILL');
    await subprocess;
  });
  return subprocess;
}

describe('pio-deploy up', () => {
  it('builds the committed app, runs the release phase, serves web on PORT, and SIGINT leaves no process behind', async () => {
    const { sandbox, db } = await sandboxWithDatabase();
    // Uncommitted work is not part of the build.
    await import('node:fs/promises').then((fs) => fs.writeFile(join(sandbox.appDir, 'version.txt'), 'dirty\n'));
    const port = await freePort();
    const up = startUp(sandbox, port);
    await waitForOutput(up, `web.1 is up: http://127.0.0.1:${port}/`);

    const served = await getFixture(port);
    expect(served.version).toBe('v1');
    expect(served.port).toBe(String(port));
    expect(served.dyno).toBe('web.1');
    expect(served.home).toBe(served.cwd);
    expect(served.profile).toBe(`loaded from ${served.home}`);
    expect(served.greeting).toBe('hello from .env');
    expect(served.databaseUrl).toBe(db.url);
    // Release phase ran in the slug with config vars; compile saw them only through ENV_DIR.
    expect(served.released).toBe('hello from .env');
    expect(served.buildGreeting).toBe('hello from .env');
    expect(served.buildEnvGreeting).toBe('<unset>');
    expect(existsSync(join(served.home, 'docs'))).toBe(false);
    expect(existsSync(join(served.home, 'debug.log'))).toBe(false);
    expect(await readFile(join(served.home, 'build-cwd.txt'), 'utf8')).toBe(FIXTURE_BUILDPACK);
    expect(isRunning(served.pid)).toBe(true);
    expect(isRunning(served.helperPid)).toBe(true);

    up.kill('SIGINT');
    const result = await up;
    expect(result.exitCode).toBe(0);
    expect(result.all).toMatch(/^release +\| release phase for version v1$/m);
    expect(result.all).toMatch(/^web\.1 +\| fixture v1 listening on \d+$/m);
    expect(result.all).toContain('uncommitted change(s) are not part of this build');
    expect(isRunning(served.pid)).toBe(false);
    expect(isRunning(served.helperPid)).toBe(false);
    expect(existsSync(served.home)).toBe(false);
  });

  it('keeps the build cache between runs and stops on SIGTERM', async () => {
    const { sandbox } = await sandboxWithDatabase();
    for (const expected of [1, 2]) {
      const port = await freePort();
      const up = startUp(sandbox, port);
      await waitForOutput(up, 'web.1 is up');
      const served = await getFixture(port);
      up.kill('SIGTERM');
      const result = await up;
      expect(result.all).toContain(`build number ${expected} (from cache)`);
      expect(result.exitCode).toBe(0);
      expect(await waitFor(() => !isRunning(served.pid) && !isRunning(served.helperPid), 1_000)).toBe(true);
    }
  });

  it('does not start web when the release phase fails', async () => {
    const { sandbox } = await sandboxWithDatabase();
    await commitFiles(sandbox, { FAIL_RELEASE: 'yes\n' }, 'fail release');
    const port = await freePort();
    const result = await startUp(sandbox, port);
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain('FAIL_RELEASE present: failing on purpose');
    expect(result.all).toContain('Release command failed (exit 3)');
    expect(result.all).not.toContain('Starting web.1');
  });

  it('fails the build with the buildpack exit status and a clear error', async () => {
    const { sandbox } = await sandboxWithDatabase();
    await commitFiles(sandbox, { FAIL_BUILD: 'yes\n' }, 'fail build');
    const result = await startUp(sandbox, await freePort());
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain('Failed to compile Fixture app (bin/compile exited with code 1)');
  });

  it('rejects a directory without commits and a buildpack without bin/compile', async () => {
    const { sandbox } = await sandboxWithDatabase();
    const empty = join(sandbox.dir, 'empty');
    await execa('git', ['init', '--quiet', empty], { env: sandbox.env });
    const noCommit = await execa(CLI, ['up', '--app-dir', empty, '--buildpack', FIXTURE_BUILDPACK], {
      env: sandbox.env,
      reject: false,
    });
    expect(noCommit.exitCode).toBe(1);
    expect(noCommit.stderr).toContain('has no commit HEAD to build');
    const badBuildpack = await execa(CLI, ['up', '--buildpack', sandbox.home], { cwd: sandbox.appDir, env: sandbox.env, reject: false });
    expect(badBuildpack.exitCode).toBe(1);
    expect(badBuildpack.stderr).toContain('bin/detect is missing or not executable');
  });

  it('starts the embedded PostgreSQL and hands its URL to the release and web processes when DATABASE_URL is unset', async () => {
    const sandbox = await createSandbox({ 'version.txt': 'v1\n' });
    defer(() => sandbox.cleanup());
    defer(async () => void (await stopEmbeddedPostgres(sandbox.env.PIO_HOME!)));
    const port = await freePort();
    const up = startUp(sandbox, port);
    await waitForOutput(up, 'web.1 is up', 120_000);
    const served = await getFixture(port);
    expect(served.databaseUrl).toMatch(/^postgres:\/\/pio:[^@]+@127\.0\.0\.1:\d+\/pio\?sslmode=disable$/);
    const client = new pg.Client({ connectionString: served.databaseUrl! });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('select current_database() as db');
    await client.end();
    expect(rows[0]?.db).toBe('pio');
    up.kill('SIGINT');
    expect((await up).exitCode).toBe(0);
    expect(isRunning(served.pid)).toBe(false);
  }, 180_000);
});
