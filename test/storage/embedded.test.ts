import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  embeddedPostgresStatus,
  ensureEmbeddedPostgres,
  openStorage,
  resolveStorageSettings,
  stopEmbeddedPostgres,
  StorageUnavailableError,
  type Storage,
} from '../../src/native/storage/index.js';

const execFileAsync = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

interface ChildReport {
  started: boolean;
  initialised: boolean;
  port: number;
  pid: number;
  db: string;
  ms: number;
}

let bundleDir: string;
let childScript: string;
const homes: string[] = [];

beforeAll(async () => {
  // Bundled from the TypeScript sources (not dist/) so the child runs exactly the code under test; placed
  // under node_modules so its external imports (pg, zod, the PostgreSQL binaries) resolve.
  bundleDir = await mkdtemp(join(ROOT, 'node_modules', '.cache-pio-storage-test-'));
  childScript = join(bundleDir, 'embedded-child.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'fixtures', 'embedded-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: childScript,
    logLevel: 'silent',
  });
});

afterAll(async () => {
  await rm(bundleDir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const home of homes.splice(0)) {
    await stopEmbeddedPostgres(home).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  }
});

async function newPioHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'pio-home-'));
  homes.push(home);
  return home;
}

async function runChild(pioHome: string): Promise<ChildReport> {
  const { stdout } = await execFileAsync(process.execPath, [childScript, pioHome], { timeout: 120_000 });
  return JSON.parse(stdout.trim()) as ChildReport;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((done) => child.on('exit', done));
  return child.pid!;
}

describe('embedded PostgreSQL shared by pio processes', () => {
  it('two processes starting at once: one initialises and starts, both use the same server, which outlives them', async () => {
    const home = await newPioHome();
    const [a, b] = await Promise.all([runChild(home), runChild(home)]);
    expect([a.started, b.started].sort()).toEqual([false, true]);
    expect([a.initialised, b.initialised].filter(Boolean)).toHaveLength(1);
    expect(a.port).toBe(b.port);
    expect(a.db).toBe('pio');

    // Both children have exited; the postmaster they started must still answer.
    const status = await embeddedPostgresStatus(home);
    expect(status).toMatchObject({ initialised: true, running: true, port: a.port, version: '18' });
    const third = await runChild(home);
    expect(third).toMatchObject({ started: false, initialised: false, port: a.port });

    // Secrets stay private; the log and state live under PIO_HOME.
    const state = await stat(join(home, 'embedded-postgres.json'));
    expect(state.mode & 0o077).toBe(0);
    expect(JSON.parse(await readFile(join(home, 'embedded-postgres.json'), 'utf8'))).toMatchObject({ port: a.port, database: 'pio' });

    expect(await stopEmbeddedPostgres(home)).toBe(true);
    expect(await embeddedPostgresStatus(home)).toMatchObject({ initialised: true, running: false });
    expect(await stopEmbeddedPostgres(home)).toBe(false);

    // Started again later (e.g. next dyno boot): same data, reuses the old port when free.
    const again = await runChild(home);
    expect(again).toMatchObject({ started: true, initialised: false, port: a.port });
  });

  it('recovers from a stale lock left by a dead process', async () => {
    const home = await newPioHome();
    await writeFile(join(home, 'embedded-postgres.lock'), `${await deadPid()} stale\n`);
    const connection = await ensureEmbeddedPostgres({ pioHome: home, timeoutMs: 60_000 });
    expect(connection.started).toBe(true);
    await expect(readFile(join(home, 'embedded-postgres.lock'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses to re-initialise a data directory whose state file is lost', async () => {
    const home = await newPioHome();
    await ensureEmbeddedPostgres({ pioHome: home });
    await stopEmbeddedPostgres(home);
    await rm(join(home, 'embedded-postgres.json'));
    await expect(ensureEmbeddedPostgres({ pioHome: home })).rejects.toThrow(/state file .* is missing/);
    expect((await embeddedPostgresStatus(home)).initialised).toBe(true);
  });
});

describe('database restart during load', () => {
  let storage: Storage | undefined;
  afterEach(async () => {
    await storage?.close();
    storage = undefined;
  });

  it('inserts fail with StorageUnavailableError while it is down and succeed again after; no acknowledged event is lost', async () => {
    const home = await newPioHome();
    storage = await openStorage(resolveStorageSettings({ PIO_HOME: home }));
    const scope = { appId: 1 };
    await storage.events.init(scope);

    const acknowledged: string[] = [];
    const failures: unknown[] = [];
    let phase: 'before' | 'down' | 'after' = 'before';
    let ackedAfter = 0;
    let running = true;
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        try {
          const id = await storage!.events.insert(scope, { event: 'load', entityType: 'worker', entityId: `${w}-${i}` });
          acknowledged.push(id);
          if (phase === 'after') ackedAfter++;
        } catch (error) {
          failures.push(error);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    const waitUntil = async (condition: () => boolean, what: string) => {
      const deadline = Date.now() + 60_000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    try {
      await waitUntil(() => acknowledged.length >= 200, 'load before the restart');
      phase = 'down';
      expect(await stopEmbeddedPostgres(home)).toBe(true);
      const failuresBefore = failures.length;
      await waitUntil(() => failures.length >= failuresBefore + 8, 'failures while down');
      await ensureEmbeddedPostgres({ pioHome: home });
      phase = 'after';
      await waitUntil(() => ackedAfter >= 200, 'recovery after the restart');
    } finally {
      running = false;
      await Promise.all(workers);
    }

    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) expect(failure).toBeInstanceOf(StorageUnavailableError);
    const stored = new Set((await storage.events.find(scope)).map((e) => e.eventId));
    const missing = acknowledged.filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    expect(new Set(acknowledged).size).toBe(acknowledged.length);

    // Idle pooled connections die with the server too: the next call is a typed error, the one after
    // the restart succeeds (the pool replaces broken connections on its own).
    await stopEmbeddedPostgres(home);
    await expect(storage.apps.getAll()).rejects.toBeInstanceOf(StorageUnavailableError);
    await ensureEmbeddedPostgres({ pioHome: home });
    expect(await storage.apps.insert({ name: 'back' })).toBe(1);
  });
});
