import { execa } from 'execa';
import { access, constants, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { UserError } from '../lib/errors.js';
import { jdkArtifact, type ArtifactSpec } from './catalog.js';
import { obtainArtifact, type ObtainContext } from './obtain.js';
import { withOverrides, type OverrideEnv } from './plan.js';
import { unpackTarball } from './unpack.js';

/** Where the JDK lives in an app (the same place heroku/jvm uses, so either can provide it). */
export const JDK_DIR = '.jdk';

export interface JavaFound {
  /** The `java` executable. */
  path: string;
  /** As printed by `java -version`, e.g. `1.8.0_452` or `17.0.2`. */
  version: string;
  major: number;
}

/** Runs `<java> -version` and reads the version it prints (on stderr, in every JDK since 1.2). */
export async function probeJava(java: string): Promise<JavaFound | undefined> {
  const result = await execa(java, ['-version'], { reject: false, timeout: 30_000, stdin: 'ignore' }).catch(() => undefined);
  if (!result || result.exitCode !== 0) return undefined;
  const match = /version "([^"]+)"/.exec(`${String(result.stderr)}\n${String(result.stdout)}`);
  if (!match?.[1]) return undefined;
  const version = match[1];
  const parts = version.split(/[._-]/);
  const major = parts[0] === '1' ? Number(parts[1]) : Number(parts[0]);
  return Number.isInteger(major) ? { path: java, version, major } : undefined;
}

/**
 * A Java 8 that something before us already provides: `<app>/.jdk` (heroku/jvm's place), $JAVA_HOME,
 * then `java` on PATH. Only Java 8 counts: Spark 2.x does not run on 9+.
 */
export async function providedJava8(
  appDir: string,
  env: Record<string, string | undefined>,
  /** Which locations count (a CNB build only trusts other buildpacks' layers: the rest is gone at launch). */
  accept: (java: string) => boolean = () => true,
): Promise<JavaFound | undefined> {
  const candidates = [join(appDir, JDK_DIR, 'bin', 'java')];
  if (env.JAVA_HOME?.trim()) candidates.push(join(env.JAVA_HOME.trim(), 'bin', 'java'));
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'java'));
  for (const candidate of candidates) {
    if (!accept(candidate) || !(await isExecutable(candidate))) continue;
    const found = await probeJava(candidate);
    if (found?.major === 8) return found;
  }
  return undefined;
}

/** The JDK to install: the catalogued Temurin 8 for this CPU, or JDK_URL (with JDK_SHA512 or `<url>.sha512`). */
export function planJdk(env: OverrideEnv, arch: string = process.arch): ArtifactSpec {
  const catalogued = jdkArtifact(arch);
  if (catalogued) {
    const spec = withOverrides(catalogued, env);
    return env.JDK_URL?.trim() ? { ...spec, title: 'JDK 8 (JDK_URL)' } : spec;
  }
  if (env.JDK_URL?.trim()) {
    return withOverrides(
      { name: 'JDK', title: 'JDK 8 (JDK_URL)', url: env.JDK_URL.trim(), checksumSources: [], install: { type: 'unpack', dir: '' } },
      env,
    );
  }
  throw new UserError(`No JDK 8 build is catalogued for CPU ${arch}; Apache PredictionIO needs Java 8.`, {
    hint: 'Set JDK_URL (and JDK_SHA512) to a Linux JDK 8 .tar.gz for this CPU, or add a JVM buildpack that provides Java 8 before this one.',
  });
}

export interface InstalledJdk {
  dir: string;
  java: JavaFound;
  sha512: string;
  downloadedBytes: number;
}

/**
 * Obtains the JDK through the same verified, cached path as the distributions and unpacks it into
 * `targetDir` (atomically: complete or absent), then checks that it really is a Java 8.
 */
export async function installJdk(spec: ArtifactSpec, targetDir: string, context: ObtainContext): Promise<InstalledJdk> {
  const obtained = await obtainArtifact(spec, context);
  await unpackTarball(obtained.path, targetDir, spec.title);
  const java = await probeJava(join(targetDir, 'bin', 'java'));
  if (!java || java.major !== 8) {
    await rm(targetDir, { recursive: true, force: true });
    throw new UserError(
      `${spec.title} is not a Java 8 JDK: ${java ? `bin/java reports version ${java.version}` : 'it has no working bin/java'}.`,
      { hint: 'Apache PredictionIO and Spark 2.x need Java 8. Point JDK_URL at a JDK 8 .tar.gz (with bin/ at its top level).' },
    );
  }
  return { dir: targetDir, java, sha512: obtained.sha512, downloadedBytes: obtained.downloadedBytes };
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
