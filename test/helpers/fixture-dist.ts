import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { writeSpyPio, type SpyPioOptions } from './spy-pio.js';

/**
 * Small stand-ins for the Apache tarballs, laid out like the real ones: one top-level directory,
 * `bin/pio` (a spy that records argv and environment), `conf/`, `lib/`, `sbt/`; Spark with `bin/`,
 * `jars/` and the `examples/`, `data/`, `R/` directories compile removes from the slug.
 */
export async function apachePioTarball(version: string, spy: SpyPioOptions = {}): Promise<Buffer> {
  return tarball(`PredictionIO-${version}`, async (root) => {
    await writeSpyPio(join(root, 'bin'), spy);
    await put(join(root, 'conf', 'pio-env.sh.template'), '# PredictionIO environment template\n');
    await put(join(root, 'lib', `pio-assembly-${version}.jar`), `fixture jar for PredictionIO ${version}\n`);
    await put(join(root, 'sbt', 'sbt'), '#!/usr/bin/env bash\necho "fixture sbt $*"\n', 0o755);
    await put(join(root, 'RELEASE'), `PredictionIO ${version}\n`);
  });
}

export async function sparkTarball(version: string, hadoopLine = '2.7'): Promise<Buffer> {
  return tarball(`spark-${version}-bin-hadoop${hadoopLine}`, async (root) => {
    await put(join(root, 'bin', 'spark-submit'), '#!/usr/bin/env bash\necho "fixture spark-submit $*"\n', 0o755);
    await put(join(root, 'jars', 'spark-core_2.11.jar'), 'fixture spark core\n');
    await put(join(root, 'examples', 'jars', 'spark-examples.jar'), 'fixture examples\n');
    await put(join(root, 'data', 'mllib', 'sample.txt'), '1 2 3\n');
    await put(join(root, 'R', 'lib', 'SparkR.txt'), 'fixture R\n');
  });
}

/** A native-distribution stand-in: same `PredictionIO-dist` shape, different top-level name. */
export async function nativeTarball(spy: SpyPioOptions = {}): Promise<Buffer> {
  return tarball('pio-deploy-native', async (root) => {
    await writeSpyPio(join(root, 'bin'), spy);
    await put(join(root, 'conf', 'README'), 'native distribution fixture\n');
  });
}

export function jarFixture(name: string): Buffer {
  // Jars are zip files; the content does not matter to the installer, only its digest.
  return Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from(`fixture ${name}\n`)]);
}

async function tarball(topLevel: string, fill: (root: string) => Promise<void>): Promise<Buffer> {
  const work = await mkdtemp(join(tmpdir(), 'pio-fixture-dist-'));
  try {
    await fill(join(work, topLevel));
    const file = join(work, 'out.tar.gz');
    await tar.c({ gzip: true, cwd: work, file, portable: true }, [topLevel]);
    return await readFile(file);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function put(path: string, content: string, mode = 0o644): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content, { mode });
}

/**
 * A JDK stand-in laid out like a Temurin tarball (`jdk8u452-b09/bin/java`): its `java -version` prints
 * the given version the way real JDKs do (on stderr), so the installer's Java 8 check runs for real.
 */
export async function jdkTarball(version = '1.8.0_452'): Promise<Buffer> {
  return tarball('jdk8u-fixture', async (root) => {
    const java = `#!/usr/bin/env bash
if [ "$1" = "-version" ]; then
  echo 'openjdk version "${version}"' >&2
  echo 'OpenJDK Runtime Environment (fixture)' >&2
  exit 0
fi
echo "fixture java $*"
`;
    await put(join(root, 'bin', 'java'), java, 0o755);
    await put(join(root, 'release'), `JAVA_VERSION="${version}"\n`);
  });
}

/**
 * A Node.js "distribution" whose bin/node runs this machine's Node: exercises download, verification,
 * caching and vendoring of Node without the real 40 MB tarball.
 */
export async function nodeTarball(): Promise<Buffer> {
  return tarball('node-v20.99.0-linux-x64', async (root) => {
    await put(join(root, 'bin', 'node'), `#!/bin/sh\nexec "${process.execPath}" "$@"\n`, 0o755);
    await put(join(root, 'LICENSE'), 'fixture license\n');
  });
}
