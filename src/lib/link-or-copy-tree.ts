import { chmod, copyFile, link, lstat, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Recreates a tree, hard-linking files where the file system allows it (the buildpack checkout and
 * BUILD_DIR usually share one, and ~100 MB of node_modules then cost nothing) and copying otherwise.
 * Nothing writes into these files afterwards, so sharing inodes with the checkout is safe.
 */
export async function linkOrCopyTree(source: string, target: string, keep: (name: string) => boolean = () => true): Promise<void> {
  const info = await lstat(source);
  if (info.isDirectory()) {
    await mkdir(target, { recursive: true, mode: info.mode & 0o777 });
    for (const entry of await readdir(source)) {
      if (keep(entry)) await linkOrCopyTree(join(source, entry), join(target, entry), keep);
    }
    return;
  }
  if (info.isSymbolicLink()) {
    await symlink(await readlink(source), target);
    return;
  }
  if (!info.isFile()) return;
  try {
    await link(source, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'EACCES') throw error;
    await copyFile(source, target);
    await chmod(target, info.mode & 0o777);
  }
}
