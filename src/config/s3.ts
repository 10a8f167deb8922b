/** S3A settings for Hadoop (core-site.xml) and the JVM flags Spark needs for SigV4-only regions. */
export interface S3Settings {
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string | undefined;
  /** `s3.<region>.amazonaws.com` (works in every region; the original's `s3-<region>` form does not). */
  endpoint: string | undefined;
}

/** S3 bucket naming rules (3–63 chars, lowercase letters, digits, dots, hyphens, starts/ends alphanumeric). */
export const S3_BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const AWS_REGION_PATTERN = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

export function s3Endpoint(region: string): string {
  return region.startsWith('cn-') ? `s3.${region}.amazonaws.com.cn` : `s3.${region}.amazonaws.com`;
}

/**
 * The `--driver-java-options … --conf spark.executor.extraJavaOptions=…` pair the original appended after
 * `--` whenever AWS_REGION was set: the AWS SDK bundled with Hadoop 2.7 signs with SigV2 unless told.
 */
export function s3SigV4SparkArgs(): string[] {
  return [
    '--driver-java-options',
    '-Dcom.amazonaws.services.s3.enableV4',
    '--conf',
    'spark.executor.extraJavaOptions=-Dcom.amazonaws.services.s3.enableV4',
  ];
}
