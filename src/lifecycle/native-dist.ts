import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tar from 'tar';
import { nativeDistributionArtifacts } from '../distributions/native.js';
import { isUserError } from '../lib/errors.js';

/**
 * Seam until the distributions area can pack the native distribution itself (`nativeDistributionArtifacts`
 * refuses without NATIVE_DIST_URL): a minimal native `PredictionIO-dist` whose `bin/pio` runs the
 * pio-deploy vendored into the same slug (`<app>/.pio-deploy`, installed by compile before `pio build`),
 * so the slug runs exactly the code that built it. Once packing exists this returns no config vars and
 * the build uses the real tarball.
 */

const TOP_LEVEL = 'pio-deploy-native';

const PIO_LAUNCHER = `#!/usr/bin/env bash
# Native PredictionIO distribution: runs the pio-deploy vendored into this app's slug.
set -euo pipefail
app_dir=$(cd "$(dirname "\${BASH_SOURCE[0]}")/../.." && pwd)
node_bin=node
if [[ -x "$app_dir/.pio-deploy/node/bin/node" ]]; then node_bin="$app_dir/.pio-deploy/node/bin/node"; fi
if [[ ! -f "$app_dir/.pio-deploy/bin/pio" ]]; then
  echo "[ERROR] pio-deploy is not vendored into $app_dir/.pio-deploy; rebuild the app." >&2
  exit 1
fi
exec "$node_bin" "$app_dir/.pio-deploy/bin/pio" "$@"
`;

/** True when the distributions area cannot provide the native distribution without a tarball URL. */
export function nativeDistNeedsTarball(env: Record<string, string | undefined>): boolean {
  if (env.NATIVE_DIST_URL?.trim()) return false;
  try {
    nativeDistributionArtifacts(env);
    return false;
  } catch (error) {
    if (isUserError(error)) return true;
    throw error;
  }
}

/**
 * Config vars that make a build use the launcher distribution (NATIVE_DIST_URL/_SHA512), or none when
 * they are not needed. The tarball is written once into `cacheDir` (atomically) and reused.
 */
export async function nativeDistConfigVars(
  cacheDir: string,
  env: Record<string, string | undefined>,
): Promise<Record<string, string>> {
  if (!nativeDistNeedsTarball(env)) return {};
  // Named by the launcher's content, so a changed launcher never reuses an old tarball.
  const id = createHash('sha256').update(PIO_LAUNCHER).digest('hex').slice(0, 12);
  const file = join(cacheDir, `pio-deploy-native-launcher-${id}.tar.gz`);
  if (!(await stat(file).catch(() => undefined))) await packLauncherDist(cacheDir, file);
  return { NATIVE_DIST_URL: pathToFileURL(file).href, NATIVE_DIST_SHA512: await sha512Of(file) };
}

async function packLauncherDist(cacheDir: string, file: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, '.native-dist-'));
  try {
    const root = join(work, TOP_LEVEL);
    await mkdir(join(root, 'bin'), { recursive: true });
    await mkdir(join(root, 'conf'), { recursive: true });
    await writeFile(join(root, 'bin', 'pio'), PIO_LAUNCHER, { mode: 0o755 });
    await writeFile(join(root, 'conf', 'README'), 'Rendered at run time by pio-deploy runtime-config.\n');
    const temp = join(work, 'dist.tar.gz');
    await tar.c({ gzip: true, cwd: work, file: temp, portable: true }, [TOP_LEVEL]);
    await rename(temp, file);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function sha512Of(file: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
