import type { DistributionKind } from '../distributions/catalog.js';
import type { PioDeployConfig } from './load-config.js';
import { elasticsearchStorageEnv } from './elasticsearch-url.js';

export type { DistributionKind };

/**
 * The PIO_STORAGE_* variables PredictionIO needs, computed from DATABASE_URL / PIO_ELASTICSEARCH_URL.
 * Explicit PIO_STORAGE_* values in the environment always win (they are applied by the caller as
 * "only if unset", both in pio-env.sh and in a child's environment).
 *
 * Without DATABASE_URL: the apache distribution gets the original's localhost pio/pio defaults (it
 * refuses to start without a URL); the native one gets no PGSQL URL, so it uses its embedded PostgreSQL.
 */
export function pioStorageEnv(config: PioDeployConfig, kind: DistributionKind): Record<string, string> {
  const { values, database, elasticsearch } = config;
  const env: Record<string, string> = {
    PIO_STORAGE_REPOSITORIES_METADATA_NAME: values.PIO_STORAGE_REPOSITORIES_METADATA_NAME ?? 'pio_meta',
    PIO_STORAGE_REPOSITORIES_METADATA_SOURCE: elasticsearch ? 'ELASTICSEARCH' : 'PGSQL',
    PIO_STORAGE_REPOSITORIES_EVENTDATA_NAME: values.PIO_STORAGE_REPOSITORIES_EVENTDATA_NAME ?? 'pio_event',
    PIO_STORAGE_REPOSITORIES_EVENTDATA_SOURCE: 'PGSQL',
    PIO_STORAGE_REPOSITORIES_MODELDATA_NAME: values.PIO_STORAGE_REPOSITORIES_MODELDATA_NAME ?? 'pio_model',
    PIO_STORAGE_REPOSITORIES_MODELDATA_SOURCE: 'PGSQL',
    PIO_STORAGE_SOURCES_PGSQL_TYPE: 'jdbc',
    PIO_STORAGE_SOURCES_PGSQL_INDEX: 'enabled',
    PIO_STORAGE_SOURCES_PGSQL_PARTITIONS: '4',
    PIO_STORAGE_SOURCES_PGSQL_CONNECTIONS: '8',
  };
  if (database) {
    env.PIO_STORAGE_SOURCES_PGSQL_URL = database.url;
    env.PIO_STORAGE_SOURCES_PGSQL_USERNAME = database.username;
    env.PIO_STORAGE_SOURCES_PGSQL_PASSWORD = database.password;
  } else if (kind === 'apache') {
    env.PIO_STORAGE_SOURCES_PGSQL_URL = 'jdbc:postgresql://localhost:5432/pio';
    env.PIO_STORAGE_SOURCES_PGSQL_USERNAME = 'pio';
    env.PIO_STORAGE_SOURCES_PGSQL_PASSWORD = 'pio';
  }
  if (elasticsearch) Object.assign(env, elasticsearchStorageEnv(elasticsearch));
  return env;
}

/** `base` plus every entry of `defaults` whose name is unset or empty in `base`: user settings win. */
export function withDefaults(base: NodeJS.ProcessEnv, defaults: Record<string, string>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...base };
  for (const [name, value] of Object.entries(defaults)) {
    if (merged[name] === undefined || merged[name] === '') merged[name] = value;
  }
  return merged;
}
