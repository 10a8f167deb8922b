import { UserError } from '../lib/errors.js';

/** The three PGSQL storage settings PredictionIO reads (`PIO_STORAGE_SOURCES_PGSQL_URL/USERNAME/PASSWORD`). */
export interface PgsqlSettings {
  /** `jdbc:postgresql://host:port/db?...` — never contains the credentials taken from the URL. */
  url: string;
  username: string;
  password: string;
}

const POSTGRES_DEFAULT_PORT = 5432;
const POSTGRES_SCHEMES = new Set(['postgres:', 'postgresql:']);

/**
 * Turns a Heroku-style `DATABASE_URL` (`postgres://user:pass@host:port/db?params`) into PredictionIO's JDBC
 * settings. Credentials are percent-decoded (passwords may contain `:`, `@`, `/`…), the port defaults to
 * 5432, existing query parameters are kept, and `sslmode=require` is added unless the URL already chooses
 * an sslmode or `optionalSsl` is set (PIO_POSTGRES_OPTIONAL_SSL=true, for a local server without TLS).
 *
 * Errors name DATABASE_URL but never echo it: it carries the password.
 */
export function pgsqlFromDatabaseUrl(databaseUrl: string, opts: { optionalSsl: boolean }): PgsqlSettings {
  const parsed = parseUrlOrThrow(databaseUrl);
  if (!POSTGRES_SCHEMES.has(parsed.protocol)) {
    throw invalid(`its scheme is "${parsed.protocol.replace(/:$/, '')}", expected postgres:// or postgresql://`);
  }
  if (!parsed.hostname) throw invalid('it has no host name');
  const database = parsed.pathname.replace(/^\//, '');
  if (!database || database.includes('/')) {
    throw invalid('it must name exactly one database after the host, e.g. postgres://user:pass@host:5432/mydb');
  }

  const username = decodeComponent(parsed.username, 'user name');
  const password = decodeComponent(parsed.password, 'password');

  const query = new URLSearchParams(parsed.search);
  // A user/password in the query would put credentials into the JDBC URL, which PredictionIO logs.
  query.delete('user');
  query.delete('password');
  if (!opts.optionalSsl && !query.has('sslmode')) query.append('sslmode', 'require');
  const port = parsed.port ? Number(parsed.port) : POSTGRES_DEFAULT_PORT;
  const queryString = query.toString();

  return {
    url: `jdbc:postgresql://${parsed.hostname}:${port}/${database}${queryString ? `?${queryString}` : ''}`,
    username,
    password,
  };
}

function parseUrlOrThrow(databaseUrl: string): URL {
  if (!databaseUrl.trim()) throw invalid('it is empty');
  try {
    return new URL(databaseUrl.trim());
  } catch {
    throw invalid('it is not a valid URL');
  }
}

function decodeComponent(value: string, what: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw invalid(`its ${what} contains an invalid percent-encoding`);
  }
}

function invalid(reason: string): UserError {
  return new UserError(`DATABASE_URL is invalid: ${reason}.`, {
    hint: 'Set DATABASE_URL to postgres://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode special characters in the password), e.g. by attaching the heroku-postgresql add-on.',
  });
}

/** Connection options for node-postgres, for pio-deploy's own small queries (release-phase state). */
export interface PgConnectionOptions {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  ssl: false | { rejectUnauthorized: boolean };
}

/**
 * Same parsing rules as `pgsqlFromDatabaseUrl`. TLS follows the JDBC side: required unless
 * PIO_POSTGRES_OPTIONAL_SSL=true or the URL says `sslmode=disable`. Certificates are verified only
 * for `sslmode=verify-full`/`verify-ca`: managed databases (Heroku Postgres) present certificates
 * that do not chain to a public CA, which is also what `sslmode=require` means for libpq and JDBC.
 */
export function pgConnectionFromDatabaseUrl(databaseUrl: string, opts: { optionalSsl: boolean }): PgConnectionOptions {
  const settings = pgsqlFromDatabaseUrl(databaseUrl, opts);
  const parsed = new URL(databaseUrl.trim());
  const sslmode = new URLSearchParams(parsed.search).get('sslmode');
  let ssl: PgConnectionOptions['ssl'] = opts.optionalSsl ? false : { rejectUnauthorized: false };
  if (sslmode === 'disable') ssl = false;
  else if (sslmode === 'verify-full' || sslmode === 'verify-ca') ssl = { rejectUnauthorized: true };
  else if (sslmode === 'require') ssl = { rejectUnauthorized: false };
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : POSTGRES_DEFAULT_PORT,
    database: decodeComponent(parsed.pathname.replace(/^\//, ''), 'database name'),
    user: settings.username,
    password: settings.password,
    ssl,
  };
}
