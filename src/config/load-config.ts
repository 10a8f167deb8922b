import { secretValuesOf } from '../lib/redact.js';
import { UserError, isUserError } from '../lib/errors.js';
import { pgsqlFromDatabaseUrl, type PgsqlSettings } from './database-url.js';
import { elasticsearchFromUrl, type ElasticsearchSettings } from './elasticsearch-url.js';
import { ENV_NAMES, ENV_VARIABLES, envSchema, type EnvName, type EnvValues } from './env-schema.js';
import { s3Endpoint, type S3Settings } from './s3.js';

/** The environment, parsed and validated once at the edge; everything inside uses these typed values. */
export interface PioDeployConfig {
  values: EnvValues;
  /** From DATABASE_URL (undefined when unset). Explicit PIO_STORAGE_SOURCES_PGSQL_* are applied on top. */
  database: PgsqlSettings | undefined;
  elasticsearch: ElasticsearchSettings | undefined;
  s3: S3Settings | undefined;
  /** Effective region for S3 (PIO_S3_AWS_REGION, else AWS_REGION). */
  awsRegion: string | undefined;
  /** Secret values present in this environment; output passes through a redactor that hides them. */
  secrets: string[];
  warnings: string[];
}

interface Problem {
  name: EnvName;
  message: string;
}

/**
 * Parses every declared variable and collects ALL problems into one UserError, so a user fixes their
 * configuration in one round instead of one variable per deploy. Messages name the variable, what is
 * wrong and an example fix; secret values are never quoted.
 */
export function loadConfig(env: NodeJS.ProcessEnv): PioDeployConfig {
  const problems: Problem[] = [];
  const raw = Object.fromEntries(ENV_NAMES.map((name) => [name, env[name]]));
  const result = envSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = issue.path[0] as EnvName;
      problems.push({ name, message: describeProblem(name, issue.message, env[name]) });
    }
  }
  // Derived settings are parsed even when other variables failed, so every problem is reported at once.
  const values = (result.success ? result.data : partialValues(raw)) as EnvValues;

  const derive = <T>(name: EnvName, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (error) {
      if (!isUserError(error)) throw error;
      problems.push({ name, message: `${error.message}${error.hint ? ` ${error.hint}` : ''}` });
      return undefined;
    }
  };

  const databaseUrl = nonBlank(env.DATABASE_URL);
  const database = databaseUrl
    ? derive('DATABASE_URL', () =>
        pgsqlFromDatabaseUrl(databaseUrl, { optionalSsl: values.PIO_POSTGRES_OPTIONAL_SSL === true }),
      )
    : undefined;
  const esUrl = nonBlank(env.PIO_ELASTICSEARCH_URL);
  const elasticsearch = esUrl ? derive('PIO_ELASTICSEARCH_URL', () => elasticsearchFromUrl(esUrl)) : undefined;

  const awsRegion = values.PIO_S3_AWS_REGION ?? values.AWS_REGION;
  let s3: S3Settings | undefined;
  if (values.PIO_S3_BUCKET_NAME) {
    const missing = (['PIO_S3_AWS_ACCESS_KEY_ID', 'PIO_S3_AWS_SECRET_ACCESS_KEY'] as const).filter((n) => !values[n]);
    for (const name of missing) {
      problems.push({
        name,
        message: `${name} is required because PIO_S3_BUCKET_NAME is set. Set both S3 credentials (attach Bucketeer with --as PIO_S3), or unset PIO_S3_BUCKET_NAME.`,
      });
    }
    if (missing.length === 0) {
      s3 = {
        bucket: values.PIO_S3_BUCKET_NAME,
        accessKeyId: values.PIO_S3_AWS_ACCESS_KEY_ID as string,
        secretAccessKey: values.PIO_S3_AWS_SECRET_ACCESS_KEY as string,
        region: awsRegion,
        endpoint: awsRegion ? s3Endpoint(awsRegion) : undefined,
      };
    }
  }

  if (problems.length > 0) {
    const lines = problems.map((problem) => `  ${problem.message}`);
    throw new UserError(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
      { hint: 'Run `pio-deploy config --help` for every variable, its default and an example.' },
    );
  }

  return {
    values,
    database,
    elasticsearch,
    s3,
    awsRegion,
    secrets: secretsOf(env, database, elasticsearch),
    warnings: elasticsearch?.warnings ?? [],
  };
}

function describeProblem(name: EnvName, reason: string, value: string | undefined): string {
  const declaration = ENV_VARIABLES[name];
  const shown = declaration.secret || value === undefined ? '' : ` (got ${JSON.stringify(truncate(value))})`;
  return `${name} ${reason}${shown}. Fix: set ${name}=${declaration.example}, or unset it for the default (${declaration.default}).`;
}

/** Parses each variable on its own so derived settings can still be checked when some failed. */
function partialValues(raw: Record<string, string | undefined>): Partial<EnvValues> {
  const values: Record<string, unknown> = {};
  for (const name of ENV_NAMES) {
    const single = ENV_VARIABLES[name].schema.safeParse(raw[name]);
    if (single.success) values[name] = single.data;
  }
  return values;
}

function secretsOf(
  env: NodeJS.ProcessEnv,
  database: PgsqlSettings | undefined,
  elasticsearch: ElasticsearchSettings | undefined,
): string[] {
  const secrets = new Set<string>();
  for (const name of ENV_NAMES) {
    const value = nonBlank(env[name]);
    if (!value) continue;
    const kind = ENV_VARIABLES[name].secret;
    if (kind === 'value') secrets.add(value);
    // Credentials of every URL in the value (a comma-separated list too), raw and percent-decoded.
    if (kind === 'url') for (const secret of secretValuesOf({ [name]: value })) secrets.add(secret);
  }
  if (database?.password) secrets.add(database.password);
  if (elasticsearch?.password) secrets.add(elasticsearch.password);
  return [...secrets].filter((secret) => secret.length > 0);
}

function nonBlank(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

function truncate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}
