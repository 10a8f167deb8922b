import { cp, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A copy of this checkout as a buildpack sees it (bin/, buildpack/, dist/, templates/, package files), frozen for
 * the duration of a test: dist/ is copied (a rebuild of the working tree must not change what a test
 * packs between two builds), node_modules is a symlink (its content only changes with the lock file).
 * The caller removes the returned directory.
 */
export async function snapshotCheckout(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pio-checkout-snapshot-'));
  for (const name of ['bin', 'buildpack', 'dist', 'templates', 'package.json', 'package-lock.json']) {
    await cp(join(ROOT, name), join(root, name), { recursive: true, filter: (source) => !/\.(map|d\.ts)$/.test(source) });
  }
  await symlink(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return root;
}
