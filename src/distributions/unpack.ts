import { copyFile, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as tar from 'tar';
import { UserError } from '../lib/errors.js';

/**
 * Unpacks a tarball (gzip or plain) into `targetDir`, dropping its single top-level directory
 * (`PredictionIO-0.14.0/`, `spark-2.1.3-bin-hadoop2.7/`) when it has one. Extraction happens in a temp
 * dir next to the target and is renamed into place, so the target is either complete or absent.
 */
export async function unpackTarball(archive: string, targetDir: string, label: string): Promise<void> {
  const parent = dirname(targetDir);
  await mkdir(parent, { recursive: true });
  const temp = await mkdtemp(join(parent, `.${basename(targetDir)}.unpack-`));
  try {
    try {
      // preserveOwner: as root, tar would chown files to the uids of the release manager's machine.
      await tar.x({ file: archive, cwd: temp, preserveOwner: false, strict: true });
    } catch (error) {
      throw new UserError(`${label} is not a readable tar archive: ${(error as Error).message}`, {
        hint: 'The file passed its checksum, so the checksum belongs to a different file. Check the URL and digest variables.',
      });
    }
    const entries = await readdir(temp, { withFileTypes: true });
    const only = entries.length === 1 ? entries[0] : undefined;
    if (entries.length === 0) throw new UserError(`${label} is an empty archive.`);
    const root = only?.isDirectory() ? join(temp, only.name) : temp;
    await rm(targetDir, { recursive: true, force: true });
    if (root === temp) {
      // No single top-level directory: the archive's entries are the content.
      await rename(temp, targetDir);
      return;
    }
    await rename(root, targetDir);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Copies one verified file into the distribution (temp name, then rename). */
export async function installFile(source: string, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.tmp`);
  try {
    await copyFile(source, temp);
    await rename(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
}
