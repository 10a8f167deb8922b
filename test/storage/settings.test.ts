import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/lib/errors.js';
import { parseJdbcUrl, resolveStorageSettings, type JdbcSourceSettings } from '../../src/native/storage/index.js';

const PIO_ENV = {
  PIO_STORAGE_REPOSITORIES_METADATA_NAME: 'pio_meta',
  PIO_STORAGE_REPOSITORIES_METADATA_SOURCE: 'PGSQL',
  PIO_STORAGE_REPOSITORIES_EVENTDATA_NAME: 'pio_event',
  PIO_STORAGE_REPOSITORIES_EVENTDATA_SOURCE: 'PGSQL',
  PIO_STORAGE_REPOSITORIES_MODELDATA_NAME: 'pio_model',
  PIO_STORAGE_REPOSITORIES_MODELDATA_SOURCE: 'PGSQL',
  PIO_STORAGE_SOURCES_PGSQL_TYPE: 'jdbc',
  PIO_STORAGE_SOURCES_PGSQL_URL: 'jdbc:postgresql://localhost/pio',
  PIO_STORAGE_SOURCES_PGSQL_USERNAME: 'pio',
  PIO_STORAGE_SOURCES_PGSQL_PASSWORD: 'pio-secret',
};

const jdbc = (settings: ReturnType<typeof resolveStorageSettings>, name = 'PGSQL') =>
  settings.sources[name] as JdbcSourceSettings;

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

describe('resolveStorageSettings', () => {
  it('reads the pio-env.sh template settings like PredictionIO', () => {
    const settings = resolveStorageSettings({ ...PIO_ENV, PIO_HOME: '/srv/pio' });
    expect(settings.repositories).toEqual({
      METADATA: { name: 'pio_meta', source: 'PGSQL' },
      EVENTDATA: { name: 'pio_event', source: 'PGSQL' },
      MODELDATA: { name: 'pio_model', source: 'PGSQL' },
    });
    const source = jdbc(settings);
    expect(source.origin).toBe('pio-env');
    expect(source.connections).toBe(8);
    expect(source.partitions).toBe(4);
    expect(source.index).toBe(false);
    expect(source.connection).toMatchObject({
      host: 'localhost',
      port: 5432,
      database: 'pio',
      user: 'pio',
      password: 'pio-secret',
      ssl: 'prefer',
      fallbackHosts: [],
    });
    expect(settings.pioHome).toBe('/srv/pio');
  });

  it('uses the namespaces and per-repository sources given', () => {
    const settings = resolveStorageSettings({
      ...PIO_ENV,
      PIO_STORAGE_REPOSITORIES_EVENTDATA_NAME: 'myevents',
      PIO_STORAGE_REPOSITORIES_EVENTDATA_SOURCE: 'EVENTDB',
      PIO_STORAGE_SOURCES_EVENTDB_TYPE: 'jdbc',
      PIO_STORAGE_SOURCES_EVENTDB_URL: 'jdbc:postgresql://db2:6543/events?sslmode=require',
      PIO_STORAGE_SOURCES_EVENTDB_USERNAME: 'ev',
      PIO_STORAGE_SOURCES_EVENTDB_PASSWORD: 'evpw',
      PIO_STORAGE_SOURCES_EVENTDB_CONNECTIONS: '32',
      PIO_STORAGE_SOURCES_EVENTDB_INDEX: 'enabled',
    });
    expect(settings.repositories.EVENTDATA).toEqual({ name: 'myevents', source: 'EVENTDB' });
    const events = jdbc(settings, 'EVENTDB');
    expect(events.connections).toBe(32);
    expect(events.index).toBe(true);
    expect(events.connection).toMatchObject({ host: 'db2', port: 6543, database: 'events', user: 'ev', ssl: { rejectUnauthorized: false } });
    expect(Object.keys(settings.sources).sort()).toEqual(['EVENTDB', 'PGSQL']);
  });

  it('falls back to DATABASE_URL when no source URL is set', () => {
    const settings = resolveStorageSettings({ DATABASE_URL: 'postgres://u%40x:p%3Aw@db.example.com:5433/d1' });
    const source = jdbc(settings);
    expect(source.origin).toBe('database-url');
    expect(source.connection).toMatchObject({
      host: 'db.example.com',
      port: 5433,
      database: 'd1',
      user: 'u@x',
      password: 'p:w',
      ssl: { rejectUnauthorized: false },
    });
    expect(source.displayUrl).not.toContain('p:w');
    expect(settings.repositories.METADATA).toEqual({ name: 'pio_meta', source: 'PGSQL' });
  });

  it('honours PIO_POSTGRES_OPTIONAL_SSL for a DATABASE_URL without sslmode', () => {
    const settings = resolveStorageSettings({ DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/d', PIO_POSTGRES_OPTIONAL_SSL: 'true' });
    expect(jdbc(settings).connection?.ssl).toBe('prefer');
  });

  it('falls back to the embedded PostgreSQL under PIO_HOME (default ~/.pio)', () => {
    const settings = resolveStorageSettings({});
    const source = jdbc(settings);
    expect(source.origin).toBe('embedded');
    expect(source.connection).toBeUndefined();
    expect(settings.pioHome).toBe(join(homedir(), '.pio'));
    expect(source.displayUrl).toContain(join(homedir(), '.pio', 'pgdata'));
  });

  it('keeps the repository settings when the source has no URL (DATABASE_URL supplies the server)', () => {
    const settings = resolveStorageSettings({
      PIO_STORAGE_REPOSITORIES_METADATA_NAME: 'custom_meta',
      PIO_STORAGE_REPOSITORIES_METADATA_SOURCE: 'PGSQL',
      PIO_STORAGE_SOURCES_PGSQL_TYPE: 'jdbc',
      DATABASE_URL: 'postgres://u:p@h/d',
    });
    expect(settings.repositories.METADATA.name).toBe('custom_meta');
    expect(settings.repositories.EVENTDATA).toEqual({ name: 'pio_event', source: 'PGSQL' });
    expect(jdbc(settings).origin).toBe('database-url');
  });

  it('supports a localfs model repository', () => {
    const settings = resolveStorageSettings({
      ...PIO_ENV,
      PIO_STORAGE_REPOSITORIES_MODELDATA_SOURCE: 'LOCALFS',
      PIO_STORAGE_SOURCES_LOCALFS_TYPE: 'localfs',
      PIO_STORAGE_SOURCES_LOCALFS_PATH: '/tmp/models',
    });
    expect(settings.sources.LOCALFS).toEqual({ name: 'LOCALFS', type: 'localfs', origin: 'pio-env', path: '/tmp/models' });
  });

  describe('errors (upstream messages, no secrets)', () => {
    it('METADATA missing while other repositories are configured', () => {
      const error = userError(() =>
        resolveStorageSettings({ PIO_STORAGE_REPOSITORIES_EVENTDATA_NAME: 'e', PIO_STORAGE_REPOSITORIES_EVENTDATA_SOURCE: 'PGSQL' }),
      );
      expect(error.message).toBe('Required repository (METADATA) configuration is missing.');
    });

    it('USERNAME / PASSWORD missing with a URL', () => {
      const { PIO_STORAGE_SOURCES_PGSQL_USERNAME: _u, ...noUser } = PIO_ENV;
      expect(userError(() => resolveStorageSettings(noUser)).message).toBe('The USERNAME variable is not set!');
      const { PIO_STORAGE_SOURCES_PGSQL_PASSWORD: _p, ...noPassword } = PIO_ENV;
      expect(userError(() => resolveStorageSettings(noPassword)).message).toBe('The PASSWORD variable is not set!');
    });

    it('credentials in the JDBC URL are enough', () => {
      const { PIO_STORAGE_SOURCES_PGSQL_USERNAME: _u, PIO_STORAGE_SOURCES_PGSQL_PASSWORD: _p, ...env } = PIO_ENV;
      const settings = resolveStorageSettings({ ...env, PIO_STORAGE_SOURCES_PGSQL_URL: 'jdbc:postgresql://h/db?user=a&password=b%20c' });
      expect(jdbc(settings).connection).toMatchObject({ user: 'a', password: 'b c' });
      expect(jdbc(settings).displayUrl).toBe('jdbc:postgresql://h:5432/db?user=a');
    });

    it('bad CONNECTIONS, unsupported TYPE, other JDBC driver, bad namespace', () => {
      expect(userError(() => resolveStorageSettings({ ...PIO_ENV, PIO_STORAGE_SOURCES_PGSQL_CONNECTIONS: 'lots' })).message).toContain(
        'PIO_STORAGE_SOURCES_PGSQL_CONNECTIONS',
      );
      expect(userError(() => resolveStorageSettings({ ...PIO_ENV, PIO_STORAGE_SOURCES_PGSQL_TYPE: 'elasticsearch' })).message).toContain(
        'PIO_STORAGE_SOURCES_PGSQL_TYPE=elasticsearch',
      );
      const mysql = userError(() => resolveStorageSettings({ ...PIO_ENV, PIO_STORAGE_SOURCES_PGSQL_URL: 'jdbc:mysql://h/pio' }));
      expect(mysql.message).toContain('mysql');
      expect(userError(() => resolveStorageSettings({ ...PIO_ENV, PIO_STORAGE_REPOSITORIES_METADATA_NAME: 'x; drop' })).message).toContain(
        'PIO_STORAGE_REPOSITORIES_METADATA_NAME',
      );
    });

    it('never echoes a password', () => {
      const secret = 'S3cr3t-Pa55';
      const messages = [
        () => resolveStorageSettings({ ...PIO_ENV, PIO_STORAGE_SOURCES_PGSQL_PASSWORD: secret, PIO_STORAGE_SOURCES_PGSQL_URL: 'http://nope' }),
        () => resolveStorageSettings({ DATABASE_URL: `mysql://u:${secret}@h/d` }),
        () => resolveStorageSettings({ ...PIO_ENV, PIO_STORAGE_SOURCES_PGSQL_URL: `jdbc:postgresql://h:99999/d?password=${secret}` }),
      ].map((fn) => {
        const error = userError(fn);
        return `${error.message} ${error.hint ?? ''}`;
      });
      for (const message of messages) expect(message).not.toContain(secret);
    });
  });
});

describe('parseJdbcUrl', () => {
  it.each([
    ['jdbc:postgresql://localhost/pio', { host: 'localhost', port: 5432, database: 'pio', ssl: 'prefer' }],
    ['jdbc:postgresql://10.0.0.5:6000/db?sslmode=disable', { host: '10.0.0.5', port: 6000, database: 'db', ssl: false }],
    ['jdbc:postgresql://h/db?sslmode=verify-full', { ssl: { rejectUnauthorized: true } }],
    ['jdbc:postgresql://h/db?ssl=true', { ssl: { rejectUnauthorized: true } }],
    [
      'jdbc:postgresql://h/db?ssl=true&sslfactory=org.postgresql.ssl.NonValidatingFactory',
      { ssl: { rejectUnauthorized: false } },
    ],
    ['jdbc:postgresql://[::1]:5433/db', { host: '::1', port: 5433 }],
    ['jdbc:postgresql:pio', { host: 'localhost', port: 5432, database: 'pio' }],
    ['JDBC:PostgreSQL://h/db?connectTimeout=3&ApplicationName=x', { connectTimeoutMillis: 3000, applicationName: 'x' }],
  ])('%s', (url, expected) => {
    expect(parseJdbcUrl(url).connection).toMatchObject(expected);
  });

  it('keeps further hosts of a multi-host URL for failover', () => {
    const parsed = parseJdbcUrl('jdbc:postgresql://a:5432,b:5433,[::1]/db');
    expect(parsed.connection.host).toBe('a');
    expect(parsed.connection.fallbackHosts).toEqual([
      { host: 'b', port: 5433 },
      { host: '::1', port: 5432 },
    ]);
    expect(parsed.displayUrl).toBe('jdbc:postgresql://a:5432,b:5433,[::1]:5432/db');
  });

  it('rejects malformed URLs with the variable name', () => {
    for (const url of ['postgres://h/db', 'jdbc:postgresql://h:0/db', 'jdbc:postgresql://h/db?sslmode=sometimes', 'jdbc:postgresql://h/a/b']) {
      expect(() => parseJdbcUrl(url, 'PIO_STORAGE_SOURCES_PGSQL_URL')).toThrow(/PIO_STORAGE_SOURCES_PGSQL_URL/);
    }
  });
});
