import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../helpers/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server every test uses (embedded, or TEST_DATABASE_URL). */
    postgresAdminUrl: string;
  }
}

/** Starts one real PostgreSQL for the whole test run unless TEST_DATABASE_URL points at one. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide('postgresAdminUrl', external);
    return async () => {};
  }
  const postgres = await startEmbeddedPostgres({ dirPrefix: 'pio-deploy-test-pg-', persistent: false });
  project.provide('postgresAdminUrl', postgres.adminUrl);
  return async () => {
    await postgres.server.stop();
    await postgres.removeDataDir();
  };
}
