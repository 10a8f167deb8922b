import { z } from 'zod';

/**
 * The inventory of what can be installed as `<app>/PredictionIO-dist`, as data.
 *
 * No SHA-512 of any Apache artifact could be confirmed offline, so entries carry `checksumSources`
 * instead: the side files the projects publish next to each file. Trust caveat: a side file fetched
 * from the same host as the artifact protects against corruption and truncation, not against a
 * compromised host. Pin `sha512` here (or set `<NAME>_SHA512`) once a digest has been checked
 * against the release signatures (KEYS + .asc) — a pinned digest always wins over side files.
 */

const APACHE_ARCHIVE = 'https://archive.apache.org/dist';
const MAVEN_CENTRAL = 'https://repo1.maven.org/maven2';
const ELASTIC_DOWNLOADS = 'https://artifacts.elastic.co/downloads/elasticsearch';

const digestAlgorithm = z.enum(['sha512', 'sha256', 'sha1']);
const checksumSourceSchema = z.object({ url: z.url(), algorithm: digestAlgorithm });
const installStepSchema = z.discriminatedUnion('type', [
  /** Unpack a tarball (stripping its single top-level directory) into `dir` under the distribution root. */
  z.object({ type: z.literal('unpack'), dir: z.string() }),
  /** Copy a single file to `path` under the distribution root. */
  z.object({ type: z.literal('file'), path: z.string().min(1) }),
]);
const artifactSchema = z.object({
  /** Prefix of the override variables `<name>_URL` and `<name>_SHA512`. */
  name: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  title: z.string().min(1),
  url: z.string().min(1),
  sha512: z.string().regex(/^[0-9a-f]{128}$/).optional(),
  /** A pinned SHA-256, for publishers that only publish SHA-256 (Adoptium); a SHA-512 pin wins over it. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** The file name shown in the build log when the URL's last segment is not telling (a cache path). */
  fileName: z.string().min(1).optional(),
  /** Tried in order when no digest is pinned; a 404 moves on to the next. */
  checksumSources: z.array(checksumSourceSchema),
  install: installStepSchema,
});
const apacheReleaseSchema = z.object({
  version: z.string(),
  /** Other spellings found in template.json files that mean this release. */
  aliases: z.array(z.string()),
  scala: z.string(),
  spark: z.string(),
  hadoop: z.string(),
  elasticsearch: z.string(),
  predictionio: artifactSchema,
  sparkDist: artifactSchema,
  elasticsearchDist: artifactSchema,
});

export type ArtifactSpec = z.infer<typeof artifactSchema>;
export type InstallStep = z.infer<typeof installStepSchema>;
export type ChecksumSource = z.infer<typeof checksumSourceSchema>;
export type ApacheRelease = z.infer<typeof apacheReleaseSchema>;
export type DistributionKind = 'apache' | 'native';
export const DISTRIBUTION_KINDS: readonly DistributionKind[] = ['native', 'apache'];

function predictionio(version: string, directory: string): ArtifactSpec {
  const file = `apache-predictionio-${version}-bin.tar.gz`;
  const url = `${APACHE_ARCHIVE}/${directory}/${version}/${file}`;
  return {
    name: 'PREDICTIONIO_DIST',
    title: `Apache PredictionIO ${version}`,
    url,
    checksumSources: [{ url: `${url}.sha512`, algorithm: 'sha512' }],
    install: { type: 'unpack', dir: '' },
  };
}

/** The Spark tarball paired with a release (also built for PIO_BUILD_SPARK_VERSION/PIO_BUILD_HADOOP_VERSION). */
export function sparkArtifact(version: string, hadoopLine: string): ArtifactSpec {
  const url = `${APACHE_ARCHIVE}/spark/spark-${version}/spark-${version}-bin-hadoop${hadoopLine}.tgz`;
  return {
    name: 'SPARK_DIST',
    title: `Apache Spark ${version} (Hadoop ${hadoopLine})`,
    url,
    // Spark up to 2.2.x publishes its SHA-512 as `.sha` (gpg layout); later releases as `.sha512`.
    checksumSources: [
      { url: `${url}.sha`, algorithm: 'sha512' },
      { url: `${url}.sha512`, algorithm: 'sha512' },
    ],
    install: { type: 'unpack', dir: 'vendors/spark-hadoop' },
  };
}

function elasticsearch(version: string): ArtifactSpec {
  const url = `${ELASTIC_DOWNLOADS}/elasticsearch-${version}.tar.gz`;
  return {
    name: 'ELASTICSEARCH_DIST',
    title: `Elasticsearch ${version}`,
    url,
    checksumSources: [
      { url: `${url}.sha512`, algorithm: 'sha512' },
      { url: `${url}.sha1`, algorithm: 'sha1' },
    ],
    install: { type: 'unpack', dir: 'vendors/elasticsearch' },
  };
}

function mavenJar(name: string, title: string, group: string, artifact: string, version: string, path: string) {
  const url = `${MAVEN_CENTRAL}/${group.replace(/\./g, '/')}/${artifact}/${version}/${artifact}-${version}.jar`;
  return artifactSchema.parse({
    name,
    title: `${title} ${version}`,
    url,
    // Older Maven Central uploads only carry .sha1/.md5 side files: SHA-1 is the fallback, and a
    // warning says so (pin <NAME>_SHA512 to do better).
    checksumSources: [
      { url: `${url}.sha512`, algorithm: 'sha512' },
      { url: `${url}.sha1`, algorithm: 'sha1' },
    ],
    install: { type: 'file', path },
  });
}

function release(
  version: string,
  directory: string,
  aliases: string[],
  runtime: { scala: string; spark: string; hadoop: string; elasticsearch: string },
): ApacheRelease {
  return apacheReleaseSchema.parse({
    version,
    aliases,
    ...runtime,
    predictionio: predictionio(version, directory),
    sparkDist: sparkArtifact(runtime.spark, '2.7'),
    elasticsearchDist: elasticsearch(runtime.elasticsearch),
  });
}

/** Apache PredictionIO binary releases (BEHAVIOUR.md#apache-downloads); 0.11 and older shipped no binary tarball. */
export const APACHE_RELEASES: readonly ApacheRelease[] = [
  release('0.12.0-incubating', 'incubator/predictionio', ['0.12.0'], {
    scala: '2.11.8',
    spark: '2.1.1',
    hadoop: '2.7.3',
    elasticsearch: '5.5.2',
  }),
  release('0.12.1', 'predictionio', [], { scala: '2.11.8', spark: '2.1.1', hadoop: '2.7.3', elasticsearch: '5.5.2' }),
  release('0.13.0', 'predictionio', [], { scala: '2.11.8', spark: '2.1.1', hadoop: '2.7.3', elasticsearch: '5.5.2' }),
  release('0.14.0', 'predictionio', [], { scala: '2.11.12', spark: '2.1.3', hadoop: '2.7.7', elasticsearch: '5.6.9' }),
];

export const DEFAULT_APACHE_VERSION = '0.14.0';

/** Installed with every Apache distribution: PredictionIO's PGSQL storage needs the JDBC driver. */
export const POSTGRESQL_DRIVER = mavenJar(
  'POSTGRESQL_DRIVER',
  'PostgreSQL JDBC driver',
  'org.postgresql',
  'postgresql',
  // 42.2+ speaks SCRAM (the default password scheme since PostgreSQL 14) and still runs on Java 8.
  '42.7.4',
  'lib/postgresql_jdbc.jar',
);

/** S3A support for Spark's bundled Hadoop 2.7 client, installed when PIO_S3_BUCKET_NAME is set. */
export const S3_JARS: readonly ArtifactSpec[] = [
  mavenJar('HADOOP_AWS', 'Hadoop AWS', 'org.apache.hadoop', 'hadoop-aws', '2.7.3', 'lib/spark/hadoop-aws.jar'),
  mavenJar('AWS_JAVA_SDK', 'AWS SDK for Java', 'com.amazonaws', 'aws-java-sdk', '1.7.4', 'lib/spark/aws-java-sdk.jar'),
];

export function supportedApacheVersions(): string[] {
  return APACHE_RELEASES.map((entry) => entry.version);
}

/**
 * Java 8 for Apache distributions (`pio build` runs sbt; `pio train/deploy` run Spark 2.x, which needs 8).
 * Eclipse Temurin 8u452-b09 JDK. Adoptium publishes only SHA-256 (`<file>.sha256.txt`); the digests
 * pinned here are those published values, as also recorded in the official eclipse-temurin:8 image
 * Dockerfiles. Installed to `<app>/.jdk`; `JDK_URL`/`JDK_SHA512` replace it.
 */
export const JDK_RELEASE = '8u452-b09';
const TEMURIN_8 = 'https://github.com/adoptium/temurin8-binaries/releases/download/jdk8u452-b09';
const JDK_BUILDS: Record<string, { file: string; sha256: string }> = {
  x64: {
    file: 'OpenJDK8U-jdk_x64_linux_hotspot_8u452b09.tar.gz',
    sha256: '9448308a21841960a591b47927cf2d44fdc4c0533a5f8111a4b243a6bafb5d27',
  },
  arm64: {
    file: 'OpenJDK8U-jdk_aarch64_linux_hotspot_8u452b09.tar.gz',
    sha256: 'd8a1aecea0913b7a1e0d737ba6f7ea99059b3f6fd17813d4a24e8b3fc3aee278',
  },
};

/** The JDK 8 build for a Node-style CPU name (`process.arch`), or undefined when none is catalogued. */
export function jdkArtifact(arch: string): ArtifactSpec | undefined {
  const build = JDK_BUILDS[arch];
  if (!build) return undefined;
  const url = `${TEMURIN_8}/${build.file}`;
  return artifactSchema.parse({
    name: 'JDK',
    title: `Eclipse Temurin JDK ${JDK_RELEASE}`,
    url,
    sha256: build.sha256,
    checksumSources: [{ url: `${url}.sha256.txt`, algorithm: 'sha256' }],
    install: { type: 'unpack', dir: '' },
  });
}
