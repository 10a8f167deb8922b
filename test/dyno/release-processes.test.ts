import { execa, type ResultPromise } from 'execa';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRunning, waitFor } from '../../src/lib/process-tree.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

/**
 * The release phase with real processes: `bin/pio-deploy release` running the checkout's native `pio`
 * on a real database, for an event server app (no engine.json: load data, no training).
 */

const CLI = resolve('bin/pio-deploy');
const NATIVE_PIO = resolve('bin/pio');
const APP = 'concurrent';
const ACCESS_KEY = 'releaseProcessKey_0123456789abcdefghijklmnopqrstuv';
const EVENTS = 200_000;

function eventsFile(count: number): string {
  const lines: string[] = [];
  for (let index = 0; index < count; index++) {
    lines.push(
      JSON.stringify({
        event: 'rate',
        entityType: 'user',
        entityId: `u${index % 1000}`,
        targetEntityType: 'item',
        targetEntityId: `i${index}`,
        properties: { rating: (index % 5) + 1 },
        eventTime: '2024-01-01T00:00:00.000Z',
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** pids of running native `pio` processes (`node …/bin/pio …`) whose working directory is `dir`. */
async function pioProcessesIn(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      if (!cmdline.slice(0, 2).some((arg) => arg === NATIVE_PIO || arg.endsWith('native/pio/main.js'))) continue;
      if ((await readlink(`/proc/${entry}/cwd`)) !== dir) continue;
      if (isRunning(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('pio-deploy release with real processes', () => {
  let dir: string;
  let appDir: string;
  let db: TestDatabase;
  let env: Record<string, string>;

  beforeEach(async () => {
    db = await createTestDatabase('pio_release_proc');
    dir = await mkdtemp(join(tmpdir(), 'pio-release-proc-'));
    appDir = join(dir, 'app');
    await mkdir(join(appDir, 'data'), { recursive: true });
    await writeFile(join(appDir, 'data', 'initial-events.json'), eventsFile(EVENTS));
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'pio'), `#!/usr/bin/env bash\nexec ${NATIVE_PIO} "$@"\n`, { mode: 0o755 });
    const home = join(dir, 'home');
    await mkdir(home);
    env = {
      PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: home,
      PIO_HOME: join(home, '.pio'),
      DATABASE_URL: db.url,
      PIO_POSTGRES_OPTIONAL_SSL: 'true',
      PIO_EVENTSERVER_APP_NAME: APP,
      PIO_EVENTSERVER_ACCESS_KEY: ACCESS_KEY,
      PIO_MEMORY_LIMIT: '1g',
    };
  });
  afterEach(async () => {
    for (const pid of await pioProcessesIn(appDir)) process.kill(pid, 'SIGKILL');
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const release = (): ResultPromise<{ reject: false; env: Record<string, string>; extendEnv: false }> =>
    execa(CLI, ['release', '--app-dir', appDir], { reject: false, env, extendEnv: false, cwd: appDir, timeout: 120_000 });

  async function eventRows(): Promise<number> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: number }>('SELECT id FROM pio_meta_apps WHERE name = $1', [APP]);
      const appId = rows[0]?.id;
      if (appId === undefined) return 0;
      const table = await client.query<{ exists: string | null }>('SELECT to_regclass($1) AS exists', [`pio_event_${appId}`]);
      if (!table.rows[0]?.exists) return 0;
      return Number((await client.query<{ count: string }>(`SELECT count(*) FROM pio_event_${appId}`)).rows[0]?.count);
    } finally {
      await client.end();
    }
  }

  it('two releases started 0.3 s apart import the initial data once: the second waits for the first', async () => {
    const first = release();
    await new Promise((done) => setTimeout(done, 300));
    const second = release();
    const [a, b] = await Promise.all([first, second]);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.exitCode, b.stderr).toBe(0);
    const outputs = [a.stdout, b.stdout];
    expect(outputs.join('\n').match(/Importing initial events/g)).toHaveLength(1);
    expect(outputs.join('\n')).toContain(`Waiting for the other release of '${APP}' to finish`);
    expect(await eventRows()).toBe(EVENTS);
  }, 180_000);

  it('a release SIGKILLed mid-import leaves no pio running, and the next release imports exactly once', async () => {
    const first = release();
    let output = '';
    first.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    expect(await waitFor(() => output.includes('Importing initial events'), 60_000)).toBe(true);
    let importers: number[] = [];
    for (let attempt = 0; attempt < 200 && importers.length === 0; attempt++) {
      importers = await pioProcessesIn(appDir);
      if (importers.length === 0) await new Promise((done) => setTimeout(done, 50));
    }
    expect(importers.length).toBeGreaterThan(0);
    // Let the import get under way, then kill only pio-deploy (not its process group).
    await new Promise((done) => setTimeout(done, 300));
    first.kill('SIGKILL');
    const killed = await first;
    expect(killed.signal).toBe('SIGKILL');
    // The orphaned import notices its parent is gone and stops; its transaction rolls back.
    expect(await waitFor(() => importers.every((pid) => !isRunning(pid)), 10_000)).toBe(true);
    expect(await pioProcessesIn(appDir)).toEqual([]);
    expect(await eventRows()).toBe(0);

    const rerun = await release();
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain('did not complete in an earlier release');
    expect(await eventRows()).toBe(EVENTS);
  }, 180_000);
});
