import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { APACHE_RELEASES, POSTGRESQL_DRIVER, S3_JARS } from '../../src/distributions/catalog.js';
import { parseChecksumFile } from '../../src/distributions/checksum.js';
import { planDistribution, withOverrides } from '../../src/distributions/plan.js';
import { redactSecrets, redactUrl, secretValuesOf } from '../../src/lib/redact.js';
import { chooseDistribution, readEngineHints, resolveApacheRelease } from '../../src/distributions/select.js';
import { ENV_DIR_ALLOWED, readEnvDir } from '../../src/buildpack/env-dir.js';
import { appRole } from '../../src/config/app-role.js';
import { releaseYaml } from '../../src/buildpack/procfile.js';
import { parse as parseYaml } from 'yaml';
import { gpgSha512, sha512Hex } from '../helpers/http-fixture-server.js';

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pio-catalog-test-'));
  temps.push(dir);
  return dir;
}
function thrown(fn: () => unknown): Error & { hint?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { hint?: string };
  }
  throw new Error('expected a throw');
}
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('Apache catalog', () => {
  it('lists 0.12.0-incubating, 0.12.1, 0.13.0 and 0.14.0 with runtime versions and archive addresses', () => {
    expect(APACHE_RELEASES.map((r) => r.version)).toEqual(['0.12.0-incubating', '0.12.1', '0.13.0', '0.14.0']);
    const incubating = resolveApacheRelease('0.12.0-incubating', 'test');
    expect(incubating.predictionio.url).toBe(
      'https://archive.apache.org/dist/incubator/predictionio/0.12.0-incubating/apache-predictionio-0.12.0-incubating-bin.tar.gz',
    );
    const latest = resolveApacheRelease('0.14.0', 'test');
    expect(latest.predictionio.url).toBe(
      'https://archive.apache.org/dist/predictionio/0.14.0/apache-predictionio-0.14.0-bin.tar.gz',
    );
    expect([latest.scala, latest.spark, latest.hadoop]).toEqual(['2.11.12', '2.1.3', '2.7.7']);
    expect(latest.sparkDist.url).toBe('https://archive.apache.org/dist/spark/spark-2.1.3/spark-2.1.3-bin-hadoop2.7.tgz');
    expect(latest.sparkDist.checksumSources.map((s) => s.url.split('.').pop())).toEqual(['sha', 'sha512']);
    expect(POSTGRESQL_DRIVER.url).toMatch(/^https:\/\/repo1\.maven\.org\/maven2\/org\/postgresql\/postgresql\//);
    expect(S3_JARS.map((jar) => jar.url.split('/').pop())).toEqual(['hadoop-aws-2.7.3.jar', 'aws-java-sdk-1.7.4.jar']);
  });

  it('matches 0.12.0 to 0.12.0-incubating and refuses old or unknown versions with the supported list', () => {
    expect(resolveApacheRelease('0.12.0', 'template.json').version).toBe('0.12.0-incubating');
    expect(() => resolveApacheRelease('0.11.0-incubating', 'template.json')).toThrow(/no longer supported/);
    expect(() => resolveApacheRelease('0.10.0', 'PIO_VERSION')).toThrow(/0\.10\.0 \(from PIO_VERSION\)/);
    const unknown = thrown(() => resolveApacheRelease('0.15.0', 'PIO_VERSION'));
    expect(unknown.message).toContain('0.15.0');
    expect(unknown.hint).toContain('0.12.0-incubating, 0.12.1, 0.13.0, 0.14.0');
  });
});

describe('choosing a distribution', () => {
  it('uses native by default and apache for Scala engines, with PIO_DISTRIBUTION overriding', () => {
    expect(chooseDistribution({}, { hasBuildSbt: false }).kind).toBe('native');
    expect(chooseDistribution({}, { hasBuildSbt: true }).kind).toBe('apache');
    expect(chooseDistribution({ PIO_DISTRIBUTION: 'native' }, { hasBuildSbt: true }).kind).toBe('native');
    expect(chooseDistribution({ PIO_DISTRIBUTION: 'apache' }, { hasBuildSbt: false }).apacheRelease?.version).toBe('0.14.0');
    expect(() => chooseDistribution({ PIO_DISTRIBUTION: 'spark' }, { hasBuildSbt: false })).toThrow(/PIO_DISTRIBUTION/);
  });

  it('takes the version from PIO_VERSION, then template.json, then build.sbt, and warns on disagreement', async () => {
    const app = await tempDir();
    await writeFile(join(app, 'template.json'), JSON.stringify({ pio: { version: { min: '0.12.1' } } }));
    await writeFile(join(app, 'build.sbt'), 'libraryDependencies += "org.apache.predictionio" %% "apache-predictionio-core" % "0.13.0" % "provided"\n');
    const hints = await readEngineHints(app);
    expect(hints).toEqual({ hasBuildSbt: true, templateVersion: '0.12.1', buildSbtVersion: '0.13.0' });
    const fromTemplate = chooseDistribution({}, hints);
    expect(fromTemplate.apacheRelease?.version).toBe('0.12.1');
    expect(fromTemplate.warnings.join('\n')).toContain('build.sbt depends on apache-predictionio-core 0.13.0');
    expect(chooseDistribution({ PIO_VERSION: '0.13.0' }, hints).warnings).toEqual([]);
    expect(chooseDistribution({}, { hasBuildSbt: true, buildSbtVersion: '0.12.0-incubating' }).apacheRelease?.version).toBe(
      '0.12.0-incubating',
    );
  });

  it('names template.json when it is not valid JSON', async () => {
    const app = await tempDir();
    await writeFile(join(app, 'template.json'), '{"pio": ');
    await expect(readEngineHints(app)).rejects.toThrow(/template\.json is not valid JSON/);
  });

  it('plans S3 and Elasticsearch parts only when enabled, and one artifact for native', () => {
    const choice = chooseDistribution({ PIO_VERSION: '0.13.0' }, { hasBuildSbt: true });
    const names = (s3: boolean, elasticsearch: boolean) =>
      planDistribution(choice, { s3, elasticsearch }, {}).artifacts.map((a) => a.name);
    expect(names(false, false)).toEqual(['PREDICTIONIO_DIST', 'SPARK_DIST', 'POSTGRESQL_DRIVER']);
    expect(names(true, true)).toEqual([
      'PREDICTIONIO_DIST',
      'SPARK_DIST',
      'POSTGRESQL_DRIVER',
      'HADOOP_AWS',
      'AWS_JAVA_SDK',
      'ELASTICSEARCH_DIST',
    ]);
    const native = planDistribution(chooseDistribution({}, { hasBuildSbt: false }), { s3: false, elasticsearch: false }, {
      NATIVE_DIST_URL: 'file:///mirror/native.tar.gz',
    });
    expect(native.artifacts.map((a) => [a.name, a.url])).toEqual([['NATIVE_DIST', 'file:///mirror/native.tar.gz']]);
    const refusal = thrown(() =>
      planDistribution(chooseDistribution({}, { hasBuildSbt: false }), { s3: false, elasticsearch: false }, {}),
    );
    expect(refusal.message).toContain('native distribution');
    expect(refusal.hint).toContain('NATIVE_DIST_URL');
  });
});

describe('artifact overrides', () => {
  const spark = resolveApacheRelease('0.14.0', 'test').sparkDist;

  it('replaces the URL and then trusts only <url>.sha512 or <NAME>_SHA512', () => {
    const overridden = withOverrides(spark, { SPARK_DIST_URL: 'https://user:pw@mirror.example/s.tgz?sig=abc' });
    expect(overridden.url).toBe('https://user:pw@mirror.example/s.tgz?sig=abc');
    expect(overridden.checksumSources).toEqual([{ url: 'https://user:pw@mirror.example/s.tgz.sha512?sig=abc', algorithm: 'sha512' }]);
    const digest = 'AB'.repeat(64);
    expect(withOverrides(spark, { SPARK_DIST_SHA512: `s.tgz: ${digest.match(/.{8}/g)?.join(' ')}` }).sha512).toBe(
      digest.toLowerCase(),
    );
  });

  it('rejects a malformed digest or address, naming the variable', () => {
    expect(() => withOverrides(spark, { SPARK_DIST_SHA512: 'abc' })).toThrow(/SPARK_DIST_SHA512 is not a SHA-512/);
    expect(() => withOverrides(spark, { SPARK_DIST_URL: 'ftp://mirror/s.tgz' })).toThrow(/SPARK_DIST_URL uses ftp/);
    expect(() => withOverrides(spark, { SPARK_DIST_URL: 'not a url' })).toThrow(/SPARK_DIST_URL is not a valid URL/);
  });
});

describe('checksum side files', () => {
  const body = Buffer.from('some release artifact');
  const hex = sha512Hex(body);

  it('reads the gpg, coreutils and BSD layouts', () => {
    const gpg = gpgSha512('apache-predictionio-0.14.0-bin.tar.gz', body);
    expect(gpg.split('\n').length).toBeGreaterThan(2);
    expect(gpg).toMatch(/^apache-predictionio-0\.14\.0-bin\.tar\.gz: [0-9A-F]{8} /);
    expect(parseChecksumFile(gpg, 'sha512')).toBe(hex);
    expect(parseChecksumFile(`${hex}  file.tgz\n`, 'sha512')).toBe(hex);
    expect(parseChecksumFile(`${hex} *file.tgz`, 'sha512')).toBe(hex);
    expect(parseChecksumFile(`SHA512 (file.tgz) = ${hex}\n`, 'sha512')).toBe(hex);
    expect(parseChecksumFile('da39a3ee5e6b4b0d3255bfef95601890afd80709\n', 'sha1')).toBe(
      'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    );
  });

  it('returns nothing for an error page or a digest of the wrong length', () => {
    expect(parseChecksumFile('<html><body>Not Found</body></html>', 'sha512')).toBeUndefined();
    expect(parseChecksumFile('da39a3ee5e6b4b0d3255bfef95601890afd80709', 'sha512')).toBeUndefined();
  });
});

describe('secrets', () => {
  it('redacts URL credentials and query strings', () => {
    expect(redactUrl('https://user:s3cret@mirror.example/a.tgz')).toBe('https://***@mirror.example/a.tgz');
    expect(redactUrl('https://mirror.example/a.tgz?X-Amz-Signature=abc')).toBe('https://mirror.example/a.tgz?***');
    expect(redactUrl('http://mirror.example/a.tgz')).toBe('http://mirror.example/a.tgz');
  });

  it('finds secret values in an environment and hides them in text', () => {
    const secrets = secretValuesOf({
      DATABASE_URL: 'postgres://pio:p%40ssw0rd@db.example:5432/pio',
      PIO_S3_AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI',
      PIO_VERSION: '0.14.0',
    });
    expect(secrets).toContain('p@ssw0rd');
    expect(secrets).toContain('wJalrXUtnFEMI');
    expect(secrets).not.toContain('0.14.0');
    expect(redactSecrets('login p@ssw0rd and wJalrXUtnFEMI for 0.14.0', secrets)).toBe('login *** and *** for 0.14.0');
  });
});

describe('ENV_DIR', () => {
  it('reads allowed variables byte-exact and skips denied ones', async () => {
    const envDir = await tempDir();
    await writeFile(join(envDir, 'PIO_EVENTSERVER_APP_NAME'), 'my app\n\n');
    await writeFile(join(envDir, 'DATABASE_URL'), 'postgres://u:p@h/db');
    await writeFile(join(envDir, 'SPARK_DIST_SHA512'), 'ab');
    await writeFile(join(envDir, 'PATH'), '/evil');
    await writeFile(join(envDir, 'LD_PRELOAD'), '/evil.so');
    await writeFile(join(envDir, 'SOMETHING_ELSE'), 'x');
    const contents = await readEnvDir(envDir);
    expect(contents.vars).toEqual({
      DATABASE_URL: 'postgres://u:p@h/db',
      PIO_EVENTSERVER_APP_NAME: 'my app\n\n',
      SPARK_DIST_SHA512: 'ab',
    });
    expect(contents.ignored.sort()).toEqual(['LD_PRELOAD', 'PATH', 'SOMETHING_ELSE']);
    expect(ENV_DIR_ALLOWED.test('NODE_DIST_SHA256')).toBe(true);
  });
});

describe('process types', () => {
  it('prints release YAML with default_process_types for an engine', () => {
    expect(parseYaml(releaseYaml())).toEqual({
      default_process_types: { web: 'pio-deploy web', train: 'pio-deploy train', release: 'pio-deploy release' },
    });
    expect(appRole({ hasEngineJson: true, runAsEventServer: false })).toBe('engine');
    expect(appRole({ hasEngineJson: true, runAsEventServer: true })).toBe('eventserver');
    expect(appRole({ hasEngineJson: false, runAsEventServer: false })).toBe('eventserver');
  });
});

describe('JDK 8 catalog', () => {
  it('pins Temurin 8 by SHA-256 per CPU, and JDK_URL/JDK_SHA512 replace it', async () => {
    const { jdkArtifact } = await import('../../src/distributions/catalog.js');
    const { planJdk } = await import('../../src/distributions/jdk.js');
    const x64 = jdkArtifact('x64');
    expect(x64?.url).toBe(
      'https://github.com/adoptium/temurin8-binaries/releases/download/jdk8u452-b09/OpenJDK8U-jdk_x64_linux_hotspot_8u452b09.tar.gz',
    );
    expect(x64?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(jdkArtifact('arm64')?.url).toContain('aarch64');
    expect(jdkArtifact('arm64')?.sha256).not.toBe(x64?.sha256);
    expect(planJdk({}, 'x64')).toEqual(x64);
    const custom = planJdk({ JDK_URL: 'https://mirror.example/jdk8.tar.gz', JDK_SHA512: 'AB'.repeat(64) }, 'x64');
    expect([custom.url, custom.sha512, custom.sha256, custom.title]).toEqual([
      'https://mirror.example/jdk8.tar.gz',
      'ab'.repeat(64),
      undefined,
      'JDK 8 (JDK_URL)',
    ]);
    expect(() => planJdk({}, 's390x')).toThrow(/No JDK 8 build is catalogued for CPU s390x/);
    expect(planJdk({ JDK_URL: 'file:///mirror/jdk.tar.gz' }, 's390x').checksumSources[0]?.url).toBe('file:///mirror/jdk.tar.gz.sha512');
    // Adoptium's side files are in sha256sum layout.
    expect(parseChecksumFile(`${'c'.repeat(64)}  OpenJDK8U.tar.gz\n`, 'sha256')).toBe('c'.repeat(64));
  });
});
