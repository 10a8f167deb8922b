import { ensureEmbeddedPostgres } from '../native/storage/embedded.js';
import { resolveStorageSettings } from '../native/storage/settings.js';
import type { ConfigVars } from './config-vars.js';

/**
 * The single place where the local platform decides which PostgreSQL an app uses. When the app's
 * config or `env` (the dynos' base environment) names a database (DATABASE_URL or
 * PIO_STORAGE_SOURCES_*_URL), nothing is added. Otherwise the embedded PostgreSQL shared by every pio process (under $PIO_HOME, default ~/.pio)
 * is started if needed and its URL becomes the app's DATABASE_URL: dynos run with HOME = slug dir, so
 * without it each release would get a private, empty database.
 */
export async function ensureDatabaseUrl(
  configVars: ConfigVars,
  options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): Promise<ConfigVars> {
  const env = { ...(options.env ?? process.env), ...configVars };
  const settings = resolveStorageSettings(env);
  const needsEmbedded = Object.values(settings.sources).some((source) => source.origin === 'embedded');
  if (!needsEmbedded) return {};
  const connection = await ensureEmbeddedPostgres({ pioHome: settings.pioHome, log: options.log });
  const url = new URL('postgres://127.0.0.1');
  url.hostname = connection.host;
  url.port = String(connection.port);
  url.username = encodeURIComponent(connection.user);
  url.password = encodeURIComponent(connection.password);
  url.pathname = `/${connection.database}`;
  // The embedded server listens on loopback without TLS.
  url.searchParams.set('sslmode', 'disable');
  return { DATABASE_URL: url.toString() };
}
