import { cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../lib/errors.js';
import { pathExists } from '../lib/fs-checks.js';
import { linkOrCopyTree } from '../lib/link-or-copy-tree.js';
import { VENDOR_DIR, diskUsage, vendorPioDeploy } from './compile-vendor.js';

/** What `pack build --buildpack <dir>` needs from the buildpack directory itself. */
const BUILDPACK_FILES = ['buildpack.toml', 'bin', 'lib', 'README.md'];

/**
 * A self-contained CNB directory: `pack` packages only the directory it is given, and the buildpack's
 * scripts run pio-deploy from the checkout around them. This copies `buildpack/` and a production copy
 * of pio-deploy (bin, dist, node_modules, package.json, package-lock.json) into `<output>/pio-deploy/`,
 * where bin/build finds it. Written to a temp dir beside the output, then renamed into place.
 */
export async function packageCnb(sourceRoot: string, outputDir: string): Promise<{ dir: string; bytes: number }> {
  const target = resolve(outputDir);
  if (await pathExists(target)) {
    throw new UserError(`${target} already exists.`, { hint: 'Pass a new directory to --output (or remove the old one).' });
  }
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(`${target}.staging-`);
  try {
    const root = join(staging, 'cnb');
    await mkdir(root);
    for (const name of BUILDPACK_FILES) await cp(join(sourceRoot, 'buildpack', name), join(root, name), { recursive: true });
    await vendorPioDeploy(sourceRoot, staging);
    await rename(join(staging, VENDOR_DIR), join(root, 'pio-deploy'));
    await linkOrCopyTree(join(sourceRoot, 'package-lock.json'), join(root, 'pio-deploy', 'package-lock.json'));
    await rename(root, target);
    return { dir: target, bytes: await diskUsage(target) };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
