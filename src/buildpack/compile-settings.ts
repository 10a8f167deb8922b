import { loadConfig } from '../config/load-config.js';

/** The configuration values the build needs, taken from the shared, validated configuration. */
export interface CompileSettings {
  pioVersion: string | undefined;
  /** Only when PIO_DISTRIBUTION is set explicitly: otherwise the app's files decide. */
  distribution: string | undefined;
  verbose: boolean;
  runAsEventServer: boolean;
  s3BucketName: string | undefined;
  elasticsearchUrl: string | undefined;
  mavenRepo: string | undefined;
  sparkVersion: string | undefined;
  hadoopLine: string | undefined;
  /** Secret values present in the build environment, hidden from everything printed. */
  secrets: string[];
  warnings: string[];
}

/** Validates the whole build environment (every problem reported at once) and picks the build's values. */
export function compileSettingsFrom(env: Record<string, string | undefined>): CompileSettings {
  const config = loadConfig(env);
  const values = config.values;
  return {
    pioVersion: values.PIO_VERSION,
    distribution: env.PIO_DISTRIBUTION?.trim() ? values.PIO_DISTRIBUTION : undefined,
    verbose: values.PIO_VERBOSE,
    runAsEventServer: values.PIO_RUN_AS_EVENTSERVER,
    s3BucketName: values.PIO_S3_BUCKET_NAME,
    elasticsearchUrl: env.PIO_ELASTICSEARCH_URL?.trim() || undefined,
    mavenRepo: values.PIO_MAVEN_REPO,
    sparkVersion: values.PIO_BUILD_SPARK_VERSION,
    hadoopLine: values.PIO_BUILD_HADOOP_VERSION,
    secrets: config.secrets,
    warnings: config.warnings,
  };
}
