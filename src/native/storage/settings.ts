import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pgsqlFromDatabaseUrl } from '../../config/database-url.js';
import { UserError } from '../../lib/errors.js';
import type {
  PgConnectionSettings,
  RepositoryKey,
  RepositorySettings,
  SourceSettings,
  StorageSettings,
} from './types.js';

type Env = Record<string, string | undefined>;

const REPOSITORY_KEYS: readonly RepositoryKey[] = ['METADATA', 'EVENTDATA', 'MODELDATA'];

/** `conf/pio-env.sh.template` defaults, used when no repository is configured at all. */
const DEFAULT_REPOSITORIES: Record<RepositoryKey, RepositorySettings> = {
  METADATA: { name: 'pio_meta', source: 'PGSQL' },
  EVENTDATA: { name: 'pio_event', source: 'PGSQL' },
  MODELDATA: { name: 'pio_model', source: 'PGSQL' },
};

const DEFAULT_CONNECTIONS = 8;
const DEFAULT_PARTITIONS = 4;
const POSTGRES_DEFAULT_PORT = 5432;

// Plain checks rather than zod schemas: this module is on every server's start path, and these few
// variables do not justify loading zod there (measured: bench/startup).
/** Namespaces become unquoted table-name prefixes, so they must be plain SQL identifiers. */
const NAMESPACE = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/;
const SOURCE_NAME = /^[A-Za-z0-9]+$/;
const MAX_POSITIVE_INT = 10_000;

/**
 * Reads storage settings the way Apache PredictionIO does (BEHAVIOUR.md#storage-settings): repositories from
 * `PIO_STORAGE_REPOSITORIES_<REPO>_{NAME,SOURCE}`, sources from `PIO_STORAGE_SOURCES_<SRC>_*` with a JDBC
 * URL. A JDBC source without a URL (or no storage variables at all) falls back to `DATABASE_URL`, and
 * without that to the embedded PostgreSQL under `$PIO_HOME` (default `~/.pio`).
 *
 * Throws `UserError`s naming the variable at fault; messages never include passwords.
 */
export function resolveStorageSettings(env: Env = process.env): StorageSettings {
  const pioHome = resolve(nonEmpty(env.PIO_HOME) ?? join(homedir(), '.pio'));
  const repositories = readRepositories(env);
  const sources: Record<string, SourceSettings> = {};
  for (const key of REPOSITORY_KEYS) {
    const sourceName = repositories[key].source;
    if (sources[sourceName]) continue;
    sources[sourceName] = readSource(env, sourceName, pioHome);
  }
  for (const key of REPOSITORY_KEYS) {
    const source = sources[repositories[key].source];
    if (source?.type === 'localfs' && key !== 'MODELDATA') {
      throw new UserError(
        `PIO_STORAGE_REPOSITORIES_${key}_SOURCE names the localfs source ${source.name}, which can only hold models.`,
        { hint: `Point PIO_STORAGE_REPOSITORIES_${key}_SOURCE at a jdbc (PostgreSQL) source.` },
      );
    }
  }
  return { repositories, sources, pioHome };
}

function readRepositories(env: Env): Record<RepositoryKey, RepositorySettings> {
  const anyConfigured = Object.keys(env).some((name) => name.startsWith('PIO_STORAGE_REPOSITORIES_'));
  const result = { ...DEFAULT_REPOSITORIES };
  if (!anyConfigured) return result;
  for (const key of REPOSITORY_KEYS) {
    const nameVar = `PIO_STORAGE_REPOSITORIES_${key}_NAME`;
    const sourceVar = `PIO_STORAGE_REPOSITORIES_${key}_SOURCE`;
    const name = nonEmpty(env[nameVar]);
    const source = nonEmpty(env[sourceVar]);
    if (name === undefined && source === undefined) {
      if (key === 'METADATA') {
        throw new UserError('Required repository (METADATA) configuration is missing.', {
          hint: `Set ${nameVar} (e.g. pio_meta) and ${sourceVar} (e.g. PGSQL), or unset every PIO_STORAGE_REPOSITORIES_* variable to use the defaults.`,
        });
      }
      // Upstream leaves the repository unusable; the default namespace on the metadata source is what
      // every PredictionIO setup uses, so take that instead of failing later.
      result[key] = { name: DEFAULT_REPOSITORIES[key].name, source: result.METADATA.source };
      continue;
    }
    if (name === undefined || source === undefined) {
      throw new UserError(`Required repository (${key}) configuration is missing.`, {
        hint: `Set both ${nameVar} and ${sourceVar}.`,
      });
    }
    if (!NAMESPACE.test(name)) {
      throw new UserError(`${nameVar} must be a plain identifier (letters, digits, _), got "${name}".`, {
        hint: `It is used as a table-name prefix, e.g. ${DEFAULT_REPOSITORIES[key].name}.`,
      });
    }
    if (!SOURCE_NAME.test(source)) {
      throw new UserError(`${sourceVar} must be a source name without underscores, got "${source}".`, {
        hint: 'e.g. PGSQL, matching PIO_STORAGE_SOURCES_PGSQL_*.',
      });
    }
    result[key] = { name: name.toLowerCase(), source: source.toUpperCase() };
  }
  return result;
}

function readSource(env: Env, name: string, pioHome: string): SourceSettings {
  const variable = (key: string) => `PIO_STORAGE_SOURCES_${name}_${key}`;
  const get = (key: string) => nonEmpty(env[variable(key)]);
  const type = get('TYPE')?.toLowerCase();

  if (type === 'localfs') {
    const path = get('PATH');
    if (!path) {
      throw new UserError(`The PATH variable is not set!`, { hint: `Set ${variable('PATH')} to the model directory.` });
    }
    return { name, type: 'localfs', origin: 'pio-env', path: resolve(path) };
  }
  if (type !== undefined && type !== 'jdbc') {
    throw new UserError(`${variable('TYPE')}=${type} is not supported by the native PredictionIO runtime.`, {
      hint: `Use ${variable('TYPE')}=jdbc with a PostgreSQL JDBC URL (or localfs for models).`,
    });
  }

  const common = {
    name,
    type: 'jdbc' as const,
    connections: readPositiveInt(env, variable('CONNECTIONS'), DEFAULT_CONNECTIONS),
    partitions: readPositiveInt(env, variable('PARTITIONS'), DEFAULT_PARTITIONS),
    index: get('INDEX')?.toLowerCase() === 'enabled',
  };

  const url = get('URL');
  if (url !== undefined) {
    const parsed = parseJdbcUrl(url, variable('URL'));
    const username = env[variable('USERNAME')] ?? parsed.user;
    const password = env[variable('PASSWORD')] ?? parsed.password;
    if (username === undefined) {
      throw new UserError('The USERNAME variable is not set!', { hint: `Set ${variable('USERNAME')}.` });
    }
    if (password === undefined) {
      throw new UserError('The PASSWORD variable is not set!', { hint: `Set ${variable('PASSWORD')}.` });
    }
    return {
      ...common,
      origin: 'pio-env',
      displayUrl: parsed.displayUrl,
      connection: { ...parsed.connection, user: parsed.user ?? username, password: parsed.password ?? password },
    };
  }

  const databaseUrl = nonEmpty(env.DATABASE_URL);
  if (databaseUrl !== undefined) {
    const pgsql = pgsqlFromDatabaseUrl(databaseUrl, { optionalSsl: env.PIO_POSTGRES_OPTIONAL_SSL === 'true' });
    const parsed = parseJdbcUrl(pgsql.url, 'DATABASE_URL');
    return {
      ...common,
      origin: 'database-url',
      displayUrl: parsed.displayUrl,
      connection: { ...parsed.connection, user: pgsql.username, password: pgsql.password },
    };
  }

  return {
    ...common,
    origin: 'embedded',
    displayUrl: `embedded PostgreSQL in ${join(pioHome, 'pgdata')}`,
    connection: undefined,
  };
}

function readPositiveInt(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const parsed = Number(raw);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > MAX_POSITIVE_INT) {
    throw new UserError(`${name} must be a whole number from 1 to 10000, got "${raw}".`, {
      hint: `Unset ${name} to use the default (${fallback}).`,
    });
  }
  return parsed;
}

export interface ParsedJdbcUrl {
  connection: Omit<PgConnectionSettings, 'user' | 'password'>;
  user: string | undefined;
  password: string | undefined;
  /** The URL without a `password` parameter, safe to print. */
  displayUrl: string;
}

/**
 * Converts a PostgreSQL JDBC URL (`jdbc:postgresql://host[:port][,host2[:port]]/db?params` or
 * `jdbc:postgresql:db`) into `pg` connection settings, following pgjdbc's defaults: host localhost, port
 * 5432, sslmode `prefer` unless `sslmode`/`ssl` say otherwise. `source` names the variable in errors.
 */
export function parseJdbcUrl(url: string, source = 'the JDBC URL'): ParsedJdbcUrl {
  const fail = (reason: string) =>
    new UserError(`${source} is not a valid PostgreSQL JDBC URL: ${reason}.`, {
      hint: `Use jdbc:postgresql://HOST:PORT/DATABASE, e.g. jdbc:postgresql://localhost/pio.`,
    });
  const match = /^jdbc:([^:]*):(.*)$/is.exec(url.trim());
  if (!match) throw fail('it must start with jdbc:postgresql:');
  const driver = match[1]!.toLowerCase();
  if (driver !== 'postgresql') {
    throw new UserError(`${source} uses the JDBC driver "${driver}"; the native runtime supports only postgresql.`, {
      hint: 'Use a PostgreSQL database: jdbc:postgresql://HOST:PORT/DATABASE.',
    });
  }
  let rest = match[2]!;
  const queryIndex = rest.indexOf('?');
  const query = new URLSearchParams(queryIndex >= 0 ? rest.slice(queryIndex + 1) : '');
  if (queryIndex >= 0) rest = rest.slice(0, queryIndex);

  let hosts: Array<{ host: string; port: number }> = [{ host: 'localhost', port: POSTGRES_DEFAULT_PORT }];
  let database: string;
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const hostSpec = slash >= 0 ? rest.slice(2, slash) : rest.slice(2);
    database = slash >= 0 ? rest.slice(slash + 1) : '';
    if (hostSpec !== '') hosts = hostSpec.split(',').map((spec) => parseHostPort(spec, fail));
  } else {
    database = rest;
  }
  try {
    database = decodeURIComponent(database);
  } catch {
    throw fail('the database name has an invalid percent-encoding');
  }
  if (database.includes('/')) throw fail('it names more than one path segment after the host');

  const user = query.get('user') ?? undefined;
  const password = query.get('password') ?? undefined;
  if (!database) database = user ?? 'postgres';

  const connectTimeoutSeconds = Number(query.get('connectTimeout') ?? query.get('loginTimeout') ?? NaN);
  const first = hosts[0]!;
  const display = new URLSearchParams(query);
  display.delete('password');
  const displayQuery = display.toString();
  return {
    connection: {
      host: first.host,
      port: first.port,
      database,
      ssl: sslFromJdbcParams(query, fail),
      fallbackHosts: hosts.slice(1),
      connectTimeoutMillis:
        Number.isFinite(connectTimeoutSeconds) && connectTimeoutSeconds > 0 ? connectTimeoutSeconds * 1000 : undefined,
      applicationName: query.get('ApplicationName') ?? query.get('applicationName') ?? undefined,
    },
    user,
    password,
    displayUrl: `jdbc:postgresql://${hosts.map(formatHost).join(',')}/${database}${displayQuery ? `?${displayQuery}` : ''}`,
  };
}

function parseHostPort(spec: string, fail: (reason: string) => UserError): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec);
  const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(spec);
  const found = bracketed ?? plain;
  if (!found) throw fail(`"${spec}" is not a host[:port]`);
  const port = found[2] === undefined ? POSTGRES_DEFAULT_PORT : Number(found[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw fail(`port ${found[2]} is out of range`);
  return { host: found[1]!, port };
}

function formatHost({ host, port }: { host: string; port: number }): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function sslFromJdbcParams(query: URLSearchParams, fail: (reason: string) => UserError): PgConnectionSettings['ssl'] {
  const sslmode = query.get('sslmode')?.toLowerCase();
  const nonValidating = (query.get('sslfactory') ?? '').endsWith('NonValidatingFactory');
  switch (sslmode) {
    case 'disable':
      return false;
    case 'allow':
    case 'prefer':
      return 'prefer';
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
    case undefined:
      break;
    default:
      throw fail(`sslmode=${sslmode} is not one of disable, allow, prefer, require, verify-ca, verify-full`);
  }
  const ssl = query.get('ssl')?.toLowerCase();
  if (ssl === 'true' || ssl === '') return { rejectUnauthorized: !nonValidating };
  if (ssl === 'false') return false;
  return 'prefer';
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

