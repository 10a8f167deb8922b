import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

/** The real launcher, as users run it (needs `npm run build`). */
export const PIO_BIN = new URL('../../bin/pio', import.meta.url).pathname;

export interface PioResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** stdout split into lines (trailing newline dropped). */
  lines: string[];
}

export interface PioTestContext {
  db: TestDatabase;
  env: Record<string, string>;
  home: string;
  pio(args: string[], options?: { input?: string; env?: Record<string, string> }): Promise<PioResult>;
  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** A fresh database and a `pio` runner pointed at it through `PIO_STORAGE_SOURCES_PGSQL_*`, as pio-env.sh does. */
export async function createPioTestContext(): Promise<PioTestContext> {
  const db = await createTestDatabase('pio_cli');
  const home = await mkdtemp(join(tmpdir(), 'pio-cli-test-'));
  const url = new URL(db.url);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    PIO_HOME: join(home, '.pio'),
    PIO_STORAGE_SOURCES_PGSQL_TYPE: 'jdbc',
    PIO_STORAGE_SOURCES_PGSQL_URL: `jdbc:postgresql://${url.hostname}:${url.port}${url.pathname}?sslmode=disable`,
    PIO_STORAGE_SOURCES_PGSQL_USERNAME: decodeURIComponent(url.username),
    PIO_STORAGE_SOURCES_PGSQL_PASSWORD: decodeURIComponent(url.password),
  };
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  return {
    db,
    env,
    home,
    async pio(args, options = {}) {
      return runPio(args, { env: { ...env, ...options.env }, input: options.input });
    },
    async query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]) {
      return (await client.query<T>(sql, params)).rows;
    },
    async close() {
      await client.end();
      await db.drop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

export async function runPio(
  args: string[],
  options: { env?: Record<string, string>; input?: string; cwd?: string } = {},
): Promise<PioResult> {
  const result = await execa(PIO_BIN, args, {
    env: options.env ?? { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    timeout: 60_000,
    cwd: options.cwd,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
  return pioResultOf(result);
}

/** A finished run of `pio` (execa with `stripFinalNewline: false`) as the tests read it. */
export function pioResultOf(result: { stdout?: unknown; stderr?: unknown; exitCode?: number | undefined }): PioResult {
  const stdout = String(result.stdout);
  return {
    stdout,
    stderr: String(result.stderr),
    exitCode: result.exitCode ?? -1,
    lines: stdout === '' ? [] : stdout.replace(/\n$/, '').split('\n'),
  };
}

/** Creates an app and returns its id and access key, read back from `pio app new`'s output. */
export async function createApp(ctx: PioTestContext, name: string, extra: string[] = []): Promise<{ id: number; key: string }> {
  const result = await ctx.pio(['app', 'new', ...extra, name]);
  if (result.exitCode !== 0) throw new Error(`pio app new ${name} failed: ${result.stdout}${result.stderr}`);
  const id = Number(/\[INFO\] \[Pio\$\] {9}ID: (\d+)/.exec(result.stdout)?.[1]);
  const key = /\[INFO\] \[Pio\$\] Access Key: (\S+)/.exec(result.stdout)?.[1] ?? '';
  return { id, key };
}

export async function tableExists(ctx: PioTestContext, table: string): Promise<boolean> {
  const rows = await ctx.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [table]);
  return rows[0]?.exists === true;
}
