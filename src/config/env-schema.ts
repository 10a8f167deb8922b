import { z } from 'zod';
import { ShellWordsError, splitShellWords } from './shell-words.js';
import { AWS_REGION_PATTERN, S3_BUCKET_PATTERN } from './s3.js';
import { parseTrainGate, TRAIN_GATE_EXAMPLE, type TrainGate } from './train-gate.js';

/**
 * THE list of environment variables pio-deploy honours: name, phase(s), default, one-line description and
 * the zod type that parses the raw string. Everything else (loader, `pio-deploy config --help`, the
 * CUSTOM.md table, the compile allow-list) is derived from this file.
 *
 * Conventions: an empty or all-blank value counts as unset (as the original's `[ -z "$X" ]` did).
 * Booleans accept true/false, yes/no, on/off, 1/0 in any case; anything else is an error instead of
 * silently meaning "true".
 */

export const PHASES = {
  build: 'compile (bin/compile, read from ENV_DIR)',
  dyno: 'dyno start (.profile.d → pio-deploy runtime-config)',
  pio: 'every pio invocation (rendered into conf/pio-env.sh)',
  release: 'release phase (pio-deploy release / load-data)',
  web: 'web process (pio-deploy web)',
  train: 'training (pio-deploy train, and release)',
  engine: 'read by engine code, passed through untouched',
  local: 'local platform and project commands (pio-deploy up, remote, init, quickstart)',
} as const;
export type Phase = keyof typeof PHASES;

export interface VariableDeclaration<S extends z.ZodType = z.ZodType> {
  phases: readonly Phase[];
  description: string;
  /** Human-readable default for help and docs ("(unset)" when there is none). */
  default: string;
  /** Shown in error messages as the fix: `NAME=<example>`. */
  example: string;
  /** `value`: never print it; `url`: print with the password hidden. */
  secret?: 'value' | 'url';
  schema: S;
}

class InvalidValue extends Error {}

const blankToUndefined = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** A variable whose raw string is parsed by `parse`; unset → `fallback`. */
function parsed<T>(parse: (raw: string) => T, fallback: T) {
  return z.preprocess(blankToUndefined, z.string().optional()).transform((raw, ctx): T => {
    if (raw === undefined) return fallback;
    try {
      return parse(raw);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  });
}

function text(check?: (raw: string) => void) {
  return parsed<string | undefined>((raw) => {
    check?.(raw);
    return raw;
  }, undefined);
}

function boolean(fallback: boolean) {
  return parsed((raw) => {
    const value = raw.trim().toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(value)) return true;
    if (['false', 'no', 'off', '0'].includes(value)) return false;
    throw new InvalidValue('must be true or false');
  }, fallback);
}

function port(fallback: number | undefined) {
  return parsed<number | undefined>((raw) => {
    const value = raw.trim();
    if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
      throw new InvalidValue('must be a TCP port number from 1 to 65535');
    }
    return Number(value);
  }, fallback);
}

function wholeNumber(min: number) {
  return parsed<number | undefined>((raw) => {
    if (!/^\d+$/.test(raw.trim()) || Number(raw) < min) throw new InvalidValue(`must be a whole number ≥ ${min}`);
    return Number(raw.trim());
  }, undefined);
}

function oneOf<const V extends string>(values: readonly V[]) {
  return parsed<V | undefined>((raw) => {
    const value = raw.trim().toLowerCase();
    if (!(values as readonly string[]).includes(value)) throw new InvalidValue(`must be one of ${values.join(', ')}`);
    return value as V;
  }, undefined);
}

function shellWords() {
  return parsed<string[]>((raw) => {
    try {
      return splitShellWords(raw);
    } catch (error) {
      if (error instanceof ShellWordsError) {
        throw new InvalidValue(`cannot be split into arguments (${error.message}); quote values shell-style`);
      }
      throw error;
    }
  }, []);
}

function url(protocols: readonly string[]) {
  return text((raw) => {
    let parsedUrl: URL;
    try {
      parsedUrl = new URL(raw.trim());
    } catch {
      throw new InvalidValue('must be an absolute URL');
    }
    if (!protocols.includes(parsedUrl.protocol)) {
      throw new InvalidValue(`must be a ${protocols.map((p) => p.replace(/:$/, '://')).join(' or ')} URL`);
    }
  });
}

function matching(pattern: RegExp, expectation: string) {
  return text((raw) => {
    if (!pattern.test(raw.trim())) throw new InvalidValue(`must be ${expectation}`);
  });
}

/** Accepts plain hex or the gpg `--print-md` layout Apache publishes (`file: ABCD 1234 …`). */
function sha512() {
  return parsed<string | undefined>((raw) => {
    const hex = raw.replace(/^[^:]*:/, '').replace(/\s+/g, '').toLowerCase();
    if (!/^[0-9a-f]{128}$/.test(hex)) throw new InvalidValue('must be a SHA-512 digest (128 hex characters)');
    return hex;
  }, undefined);
}

/** `512k`, `2.5g`, `14G`, `1073741824` → bytes, at least `minimum` (written as `minimumText`). */
function byteSize(minimum: number, minimumText: string, expected: string) {
  return parsed<number | undefined>((raw) => {
    const match = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?$/i.exec(raw.trim());
    if (!match) throw new InvalidValue(`must be ${expected}`);
    const unit = (match[2] ?? 'b').charAt(0).toLowerCase();
    const factor = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[unit] ?? 1;
    const bytes = Math.floor(Number(match[1]) * factor);
    if (bytes < minimum) throw new InvalidValue(`must be at least ${minimumText}`);
    return bytes;
  }, undefined);
}

function memorySize() {
  return byteSize(64 * 1024 ** 2, '64m', 'a memory size such as 2560m or 14g');
}

function declare<S extends z.ZodType>(declaration: VariableDeclaration<S>): VariableDeclaration<S> {
  return declaration;
}

const VERSION = /^\d+\.\d+\.\d+(?:-[A-Za-z0-9.-]+)?$/;
const ACCESS_KEY = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$|^\d{1,3}(?:\.\d{1,3}){3}$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `<NAME>_URL` and `<NAME>_SHA512` override the catalog's download for one artifact. */
function artifactOverride<N extends string>(name: N, title: string) {
  return {
    [`${name}_URL`]: declare({
      phases: ['build'],
      description: `Download ${title} from this URL instead of the catalog's (http(s):// or file://).`,
      default: 'catalog URL',
      example: `https://mirror.example.com/${name.toLowerCase()}.tar.gz`,
      secret: 'url',
      schema: url(['http:', 'https:', 'file:']),
    }),
    [`${name}_SHA512`]: declare({
      phases: ['build'],
      description: `Expected SHA-512 of ${title} (hex or Apache's gpg layout); wins over the catalog's.`,
      default: 'catalog digest / published side file',
      example: '<128 hex characters>',
      schema: sha512(),
    }),
  } as Record<`${N}_URL` | `${N}_SHA512`, VariableDeclaration<ReturnType<typeof url>>>;
}

export const ENV_VARIABLES = {
  // ---- build ----------------------------------------------------------------------------------------
  PIO_DISTRIBUTION: declare({
    phases: ['build'],
    description: 'Which PredictionIO to install: native (pio-deploy\'s own runtime) or apache (PredictionIO + Spark).',
    default: 'native',
    example: 'apache',
    schema: parsed((raw) => {
      const value = raw.trim().toLowerCase();
      if (value !== 'native' && value !== 'apache') throw new InvalidValue('must be native or apache');
      return value;
    }, 'native'),
  }),
  PIO_VERSION: declare({
    phases: ['build'],
    description: 'PredictionIO version to install (apache distribution).',
    default: 'template.json pio.version.min, else the newest supported',
    example: '0.14.0',
    schema: matching(VERSION, 'a version such as 0.14.0 or 0.12.0-incubating'),
  }),
  PIO_VERBOSE: declare({
    phases: ['build'],
    description: 'true → pio build --verbose and more build output.',
    default: 'false',
    example: 'true',
    schema: boolean(false),
  }),
  PIO_MAVEN_REPO: declare({
    phases: ['build'],
    description: 'Extra Maven repository for the engine build (added as an sbt resolver).',
    default: '(unset)',
    example: 'https://repository.example.com/maven2',
    secret: 'url',
    schema: url(['http:', 'https:', 'file:']),
  }),
  PIO_BUILD_SPARK_VERSION: declare({
    phases: ['build'],
    description: 'Spark version paired with the apache distribution.',
    default: 'per PredictionIO version (catalog)',
    example: '2.1.3',
    schema: matching(VERSION, 'a version such as 2.1.3'),
  }),
  PIO_BUILD_HADOOP_VERSION: declare({
    phases: ['build'],
    description: 'Hadoop line of the Spark tarball (spark-<v>-bin-hadoop<h>).',
    default: '2.7',
    example: '2.7',
    schema: matching(/^\d+\.\d+$/, 'a Hadoop line such as 2.7'),
  }),
  ...artifactOverride('PREDICTIONIO_DIST', 'the Apache PredictionIO binary tarball'),
  ...artifactOverride('SPARK_DIST', 'the Spark tarball'),
  ...artifactOverride('POSTGRESQL_DRIVER', 'the PostgreSQL JDBC driver jar'),
  ...artifactOverride('HADOOP_AWS', 'the hadoop-aws jar (S3A)'),
  ...artifactOverride('AWS_JAVA_SDK', 'the aws-java-sdk jar (S3A)'),
  ...artifactOverride('ELASTICSEARCH_DIST', 'the Elasticsearch tarball'),
  ...artifactOverride('NATIVE_DIST', 'the native distribution tarball'),
  ...artifactOverride('JDK', 'the JDK 8 tarball the apache distribution runs on'),
  PIO_DEPLOY_FETCH_ATTEMPTS: declare({
    phases: ['build'],
    description: 'Tries per download (the first included) before the build fails.',
    default: '4',
    example: '6',
    schema: wholeNumber(1),
  }),
  PIO_DEPLOY_FETCH_RETRY_MS: declare({
    phases: ['build'],
    description: 'Milliseconds before the first download retry; the delay doubles with each retry.',
    default: '1000',
    example: '2000',
    schema: wholeNumber(0),
  }),
  PIO_DEPLOY_FETCH_IDLE_TIMEOUT_MS: declare({
    phases: ['build'],
    description: 'Milliseconds a download connection may send nothing before it is dropped (and retried).',
    default: '30000',
    example: '60000',
    schema: wholeNumber(100),
  }),
  PIO_RUN_AS_EVENTSERVER: declare({
    phases: ['build', 'release', 'web'],
    description: 'true → this app is an event server: web runs pio eventserver, release never trains.',
    default: 'false (true when the app has no engine.json)',
    example: 'true',
    schema: boolean(false),
  }),

  // ---- storage ----------------------------------------------------------------------------------------
  DATABASE_URL: declare({
    phases: ['dyno', 'pio', 'release'],
    description: 'PostgreSQL for events, metadata and models → PIO_STORAGE_SOURCES_PGSQL_URL/USERNAME/PASSWORD.',
    default: 'embedded PostgreSQL (native) / localhost pio:pio (apache)',
    example: 'postgres://user:password@host:5432/dbname',
    secret: 'url',
    schema: text(),
  }),
  PIO_POSTGRES_OPTIONAL_SSL: declare({
    phases: ['dyno', 'pio', 'release'],
    description: 'true → do not add sslmode=require to the JDBC URL (local PostgreSQL without TLS).',
    default: 'false',
    example: 'true',
    schema: boolean(false),
  }),
  PIO_HOME: declare({
    phases: ['pio'],
    description:
      "Native runtime home; without a database the embedded PostgreSQL keeps its data in $PIO_HOME/pgdata. A distribution's bin/pio sets it to the distribution directory (as Apache's does).",
    default: '~/.pio (checkout bin/pio) / PredictionIO-dist',
    example: '/var/lib/pio',
    schema: text(),
  }),
  PIO_CONF_DIR: declare({
    phases: ['dyno', 'pio'],
    description: 'Directory runtime-config renders pio-env.sh and the other configuration files into, and bin/pio reads.',
    default: 'PredictionIO-dist/conf',
    example: '/tmp/pio-conf',
    schema: text(),
  }),
  PIO_STORAGE_SOURCES_PGSQL_URL: declare({
    phases: ['pio'],
    description: 'JDBC URL PredictionIO uses; set it only to override the value computed from DATABASE_URL.',
    default: 'from DATABASE_URL',
    example: 'jdbc:postgresql://host:5432/db?sslmode=require',
    schema: matching(/^jdbc:postgresql:\/\/\S+$/, 'a jdbc:postgresql://host:port/db URL'),
  }),
  PIO_STORAGE_SOURCES_PGSQL_USERNAME: declare({
    phases: ['pio'],
    description: 'PostgreSQL user for PredictionIO; overrides the one in DATABASE_URL.',
    default: 'from DATABASE_URL',
    example: 'pio',
    schema: text(),
  }),
  PIO_STORAGE_SOURCES_PGSQL_PASSWORD: declare({
    phases: ['pio'],
    description: 'PostgreSQL password for PredictionIO; overrides the one in DATABASE_URL.',
    default: 'from DATABASE_URL',
    example: '<password>',
    secret: 'value',
    schema: text(),
  }),
  PIO_STORAGE_REPOSITORIES_METADATA_NAME: declare({
    phases: ['pio'],
    description: 'Table-name prefix of PredictionIO metadata (apps, access keys, engine instances).',
    default: 'pio_meta',
    example: 'pio_meta',
    schema: matching(IDENTIFIER, 'a SQL identifier (letters, digits, _)'),
  }),
  PIO_STORAGE_REPOSITORIES_EVENTDATA_NAME: declare({
    phases: ['pio', 'release'],
    description: 'Table-name prefix of event tables (<prefix>_<appId>).',
    default: 'pio_event',
    example: 'pio_event',
    schema: matching(IDENTIFIER, 'a SQL identifier (letters, digits, _)'),
  }),
  PIO_STORAGE_REPOSITORIES_MODELDATA_NAME: declare({
    phases: ['pio'],
    description: 'Table-name prefix of trained models.',
    default: 'pio_model',
    example: 'pio_model',
    schema: matching(IDENTIFIER, 'a SQL identifier (letters, digits, _)'),
  }),
  PIO_ELASTICSEARCH_URL: declare({
    phases: ['build', 'dyno', 'pio'],
    description: 'Elasticsearch for metadata (and the Universal Recommender); explicit ports are kept.',
    default: '(unset: metadata in PostgreSQL)',
    example: 'https://user:password@host.example.com:9243',
    secret: 'url',
    schema: text(),
  }),
  PIO_S3_BUCKET_NAME: declare({
    phases: ['build', 'dyno'],
    description: 'S3 bucket used as Hadoop default file system (core-site.xml, s3a://<bucket>).',
    default: '(unset)',
    example: 'my-models-bucket',
    schema: matching(S3_BUCKET_PATTERN, 'an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)'),
  }),
  PIO_S3_AWS_ACCESS_KEY_ID: declare({
    phases: ['dyno'],
    description: 'AWS access key id for the S3 bucket.',
    default: '(unset)',
    example: 'AKIA…',
    secret: 'value',
    schema: text(),
  }),
  PIO_S3_AWS_SECRET_ACCESS_KEY: declare({
    phases: ['dyno'],
    description: 'AWS secret access key for the S3 bucket.',
    default: '(unset)',
    example: '<secret>',
    secret: 'value',
    schema: text(),
  }),
  PIO_S3_AWS_REGION: declare({
    phases: ['dyno', 'release', 'web', 'train'],
    description: 'Region of the S3 bucket (Bucketeer attached as PIO_S3 sets it); wins over AWS_REGION.',
    default: 'AWS_REGION',
    example: 'eu-west-1',
    schema: matching(AWS_REGION_PATTERN, 'an AWS region such as us-east-1'),
  }),
  AWS_REGION: declare({
    phases: ['dyno', 'release', 'web', 'train'],
    description: 'AWS region: sets fs.s3a.endpoint and adds the S3 SigV4 JVM options to Spark.',
    default: '(unset)',
    example: 'us-east-1',
    schema: matching(AWS_REGION_PATTERN, 'an AWS region such as us-east-1'),
  }),

  // ---- event server / release ------------------------------------------------------------------------
  PIO_EVENTSERVER_APP_NAME: declare({
    phases: ['release', 'web', 'engine'],
    description: 'PredictionIO app (event namespace); required for data hooks and feedback.',
    default: '(unset)',
    example: 'my-engine',
    schema: matching(/^[^\s]+$/, 'an app name without spaces'),
  }),
  PIO_EVENTSERVER_ACCESS_KEY: declare({
    phases: ['release', 'web'],
    description: 'Access key given to pio app new when the release creates the app; used by feedback.',
    default: '(unset)',
    example: '<64 characters from [A-Za-z0-9_-]>',
    secret: 'value',
    schema: matching(ACCESS_KEY, 'an access key of 1-64 characters from A-Z a-z 0-9 _ - (not starting with -)'),
  }),
  PIO_EVENTSERVER_HOSTNAME: declare({
    phases: ['web'],
    description: 'Host name of the event server that receives feedback events.',
    default: '(unset)',
    example: 'my-eventserver.herokuapp.com',
    schema: matching(HOSTNAME, 'a host name without scheme or port, e.g. my-eventserver.herokuapp.com'),
  }),
  PIO_EVENTSERVER_PORT: declare({
    phases: ['web'],
    description: 'Port of that event server. PredictionIO posts feedback over plain http.',
    default: '80',
    example: '80',
    schema: port(80),
  }),
  PIO_ENABLE_FEEDBACK: declare({
    phases: ['web'],
    description: 'true → pio deploy --feedback (needs PIO_EVENTSERVER_HOSTNAME, _ACCESS_KEY, _APP_NAME).',
    default: 'false',
    example: 'true',
    schema: boolean(false),
  }),
  PIO_TRAIN_ON_RELEASE: declare({
    phases: ['release'],
    description: 'false → release phase neither loads data nor trains.',
    default: 'true',
    example: 'false',
    schema: boolean(true),
  }),
  PIO_TRAIN_GATE: declare({
    phases: ['train', 'release'],
    description:
      'Promotion gate: a new training serves only if it scores no worse than the serving model beyond the tolerance, by the engine\'s metric on its evaluation folds; otherwise it is marked GATED and the old model keeps serving (native runtime).',
    default: '(unset: the newest training serves)',
    example: TRAIN_GATE_EXAMPLE,
    schema: parsed<TrainGate | undefined>(parseTrainGate, undefined),
  }),
  PIO_TRAIN_GATE_FAIL_RELEASE: declare({
    phases: ['train', 'release'],
    description: 'true → a training the promotion gate refuses fails pio train, and so the release.',
    default: 'false',
    example: 'true',
    schema: boolean(false),
  }),
  PIO_PURGE_EVENTS_ON_SYNC: declare({
    phases: ['release'],
    description: 'true → delete the app\'s events before importing data/sync-events.json.',
    default: 'false',
    example: 'true',
    schema: boolean(false),
  }),

  // ---- native servers ---------------------------------------------------------------------------------
  PIO_ENGINE_POLL_INTERVAL: declare({
    phases: ['web'],
    description:
      'Native engine server: milliseconds between checks for a newer completed training, which it then hot-swaps in; 0 turns polling off (POST /reload still works).',
    default: '5000',
    example: '60000',
    schema: wholeNumber(0),
  }),
  PIO_ENGINE_QUERY_BODY_LIMIT: declare({
    phases: ['web'],
    description: 'Native engine server: largest POST /queries.json body; larger ones are answered 413.',
    default: '1m',
    example: '4m',
    schema: byteSize(1024, '1k', 'a size such as 512k or 4m'),
  }),
  PIO_SERVER_ACCESS_KEY: declare({
    phases: ['web'],
    description:
      'Native engine server key: POST /stop and /reload then need ?accessKey=<key> (pio undeploy sends it); unset, they answer only to clients on this machine. pio-deploy init generates one.',
    default: '(unset: this machine only)',
    example: '<a long random string>',
    secret: 'value',
    schema: text(),
  }),
  PIO_LOG_LEVEL: declare({
    phases: ['web'],
    description: 'Native event server: level of its JSON request log.',
    default: 'LOG_LEVEL, else info',
    example: 'warn',
    schema: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
  LOG_LEVEL: declare({
    phases: ['web'],
    description: 'Fallback for PIO_LOG_LEVEL (a name other tools use too, so values the event server does not know mean info).',
    default: 'info',
    example: 'warn',
    schema: text(),
  }),
  PIO_EVENTSERVER_PLUGINS: declare({
    phases: ['web'],
    description: 'Native event server: comma-separated plugin modules (paths or package names) of input blockers and sniffers.',
    default: '(none)',
    example: './plugins/block-test-events.js',
    schema: text(),
  }),
  PIO_EVENTSERVER_CONCURRENT_COMMITS: declare({
    phases: ['web'],
    description: 'Native event server: group-commit batches that may commit to PostgreSQL at once, across apps and channels (one per event table).',
    default: 'connections - 1',
    example: '4',
    schema: wholeNumber(1),
  }),
  PIO_METRICS: declare({
    phases: ['web'],
    description: 'Native event and engine servers: answer GET /metrics (Prometheus) and keep the counters behind it.',
    default: 'true',
    example: 'false',
    schema: boolean(true),
  }),
  PIO_REQUEST_LOG: declare({
    phases: ['web'],
    description: 'Native event and engine servers: one JSON log line per request (route, status, duration, trace id, engine instance).',
    default: 'false',
    example: 'true',
    schema: boolean(false),
  }),
  PIO_QUERY_LOG_SAMPLE: declare({
    phases: ['web'],
    description: 'Native engine server: fraction of answered queries logged with their prediction (0 to 1), for monitoring.',
    default: '0',
    example: '0.01',
    schema: text((raw) => {
      const value = Number(raw.trim());
      if (!Number.isFinite(value) || value < 0 || value > 1) throw new InvalidValue('must be a number from 0 to 1');
    }),
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: declare({
    phases: ['web'],
    description: 'OpenTelemetry: base URL of an OTLP/HTTP receiver; set, the native servers export traces to <url>/v1/traces.',
    default: '(unset: no tracing)',
    example: 'http://otel-collector:4318',
    schema: text(),
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: declare({
    phases: ['web'],
    description: 'OpenTelemetry: full URL traces are POSTed to (overrides OTEL_EXPORTER_OTLP_ENDPOINT for traces).',
    default: '(unset)',
    example: 'http://otel-collector:4318/v1/traces',
    schema: text(),
  }),
  OTEL_EXPORTER_OTLP_HEADERS: declare({
    phases: ['web'],
    description: 'OpenTelemetry: headers sent with every export, as key=value pairs separated by commas (read by the exporter).',
    default: '(none)',
    example: 'authorization=Bearer <token>',
    secret: 'value',
    schema: text(),
  }),
  OTEL_SERVICE_NAME: declare({
    phases: ['web'],
    description: 'OpenTelemetry: service.name of the spans.',
    default: 'pio-event-server or pio-engine-server',
    example: 'shop-recommender',
    schema: text(),
  }),
  OTEL_TRACES_EXPORTER: declare({
    phases: ['web'],
    description: 'OpenTelemetry: none turns tracing off even when an endpoint is set (otlp is the only exporter).',
    default: 'otlp',
    example: 'none',
    schema: oneOf(['otlp', 'none']),
  }),
  OTEL_SDK_DISABLED: declare({
    phases: ['web'],
    description: 'OpenTelemetry: true turns tracing off even when an endpoint is set.',
    default: 'false',
    example: 'true',
    schema: boolean(false),
  }),
  OTEL_BSP_SCHEDULE_DELAY: declare({
    phases: ['web'],
    description: 'OpenTelemetry: milliseconds between span exports (read by the batch span processor).',
    default: '5000',
    example: '1000',
    schema: wholeNumber(1),
  }),

  // ---- processes --------------------------------------------------------------------------------------
  PORT: declare({
    phases: ['web'],
    description: 'Port the web process binds (set by the platform).',
    default: '(required for web)',
    example: '5000',
    schema: port(undefined),
  }),
  PIO_OPTS: declare({
    phases: ['web', 'train'],
    description: 'Extra pio deploy / pio train arguments before --, split shell-style (e.g. --variant best.json).',
    default: '(none)',
    example: "'--variant best.json'",
    schema: shellWords(),
  }),
  PIO_SPARK_OPTS: declare({
    phases: ['web'],
    description: 'spark-submit arguments for pio deploy (after --); --driver-memory is autoset unless given.',
    default: '--driver-memory autoset',
    example: "'--driver-memory 2g'",
    schema: shellWords(),
  }),
  PIO_TRAIN_SPARK_OPTS: declare({
    phases: ['train', 'release'],
    description: 'spark-submit arguments for pio train (after --); --driver-memory is autoset unless given.',
    default: '--driver-memory autoset',
    example: "'--driver-memory 12g'",
    schema: shellWords(),
  }),
  PIO_MEMORY_LIMIT: declare({
    phases: ['web', 'train', 'release'],
    description: "Memory budget for the Spark autoset and pio train's memory check instead of the detected container limit.",
    default: "the process's cgroup v2/v1 limit, else total RAM",
    example: '2560m',
    schema: memorySize(),
  }),
  PIO_TRAIN_MEMORY_CHECK: declare({
    phases: ['train', 'release'],
    description:
      'false → pio train skips its pre-flight check, which refuses before reading the events a training estimated not to fit the memory limit (native runtime).',
    default: 'true',
    example: 'false',
    schema: boolean(true),
  }),
  PIO_TRAIN_BYTES_PER_EVENT: declare({
    phases: ['train', 'release'],
    description: "The pre-flight check's estimate of training memory per event, on top of a 128 MiB base (native runtime).",
    default: '400',
    example: '1000',
    schema: wholeNumber(1),
  }),
  JAVA_OPTS: declare({
    phases: ['pio'],
    description: 'Options of the pio launcher JVM; its -Xmx is reserved before sizing the Spark driver.',
    default: '(unset)',
    example: '-Xmx256m',
    schema: text(),
  }),
  JAVA_TOOL_OPTIONS: declare({
    phases: ['pio'],
    description: 'Options every JVM picks up; its -Xmx is reserved like JAVA_OPTS.',
    default: '(unset)',
    example: '-Xss512k',
    schema: text(),
  }),
  HEROKU_PRIVATE_IP: declare({
    phases: ['pio'],
    description: 'Private Spaces dyno IP → SPARK_LOCAL_IP.',
    default: '127.0.0.1',
    example: '10.0.0.5',
    schema: text(),
  }),
  HEROKU_DNS_DYNO_NAME: declare({
    phases: ['pio'],
    description: 'Private Spaces dyno DNS name → SPARK_PUBLIC_DNS.',
    default: '(empty)',
    example: '1.web.my-app.app.localspace',
    schema: text(),
  }),

  // ---- local platform ---------------------------------------------------------------------------------
  PIO_DEPLOY_HOME: declare({
    phases: ['local'],
    description: 'Where the local platform keeps its apps (pio-deploy remote), build caches and routers.',
    default: '~/.pio-deploy',
    example: '/srv/pio-deploy',
    schema: text(),
  }),
  PIO_DEPLOY_BUILDPACK_URL: declare({
    phases: ['local'],
    description: 'Buildpack URL that pio-deploy init writes into app.json.',
    default: "pio-deploy's repository",
    example: 'https://github.com/example/pio-deploy#v0.1.0',
    schema: text(),
  }),

  // ---- engine pass-through ----------------------------------------------------------------------------
  PIO_UR_ELASTICSEARCH_CONCURRENCY: declare({
    phases: ['engine'],
    description: 'Universal Recommender: parallel writers to Elasticsearch.',
    default: '(engine default)',
    example: '1',
    schema: wholeNumber(1),
  }),
  PIO_UR_ELASTICSEARCH_INDEX_REPLICAS: declare({
    phases: ['engine'],
    description: 'Universal Recommender: replicas of its Elasticsearch index.',
    default: '1',
    example: '1',
    schema: wholeNumber(1),
  }),
};

export type EnvName = keyof typeof ENV_VARIABLES;
type Shape = { [K in EnvName]: (typeof ENV_VARIABLES)[K]['schema'] };

export const ENV_NAMES = Object.keys(ENV_VARIABLES) as EnvName[];

export const envSchema = z.object(
  Object.fromEntries(ENV_NAMES.map((name) => [name, ENV_VARIABLES[name].schema])) as Shape,
);

export type EnvValues = z.output<typeof envSchema>;

/** Names of the variables read in `phase`, e.g. the compile allow-list for `build`. */
export function variablesForPhase(phase: Phase): EnvName[] {
  return ENV_NAMES.filter((name) => ENV_VARIABLES[name].phases.includes(phase));
}
