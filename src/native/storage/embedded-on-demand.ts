// The embedded PostgreSQL manager loads on first use: servers with a DATABASE_URL never need it, and
// loading it (with zod) is a measurable part of their start-up (bench/startup).
type EmbeddedModule = typeof import('./embedded.js');
export const ensureEmbeddedPostgres: EmbeddedModule['ensureEmbeddedPostgres'] = async (options) =>
  (await import('./embedded.js')).ensureEmbeddedPostgres(options);
export const stopEmbeddedPostgres: EmbeddedModule['stopEmbeddedPostgres'] = async (pioHome, options) =>
  (await import('./embedded.js')).stopEmbeddedPostgres(pioHome, options);
export const embeddedPostgresStatus: EmbeddedModule['embeddedPostgresStatus'] = async (pioHome) =>
  (await import('./embedded.js')).embeddedPostgresStatus(pioHome);
