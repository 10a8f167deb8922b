import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { isDigest } from './checksum.js';

/**
 * Verified downloads kept in the build cache, named by their SHA-512:
 *   <CACHE_DIR>/pio-deploy/artifacts/<sha512>           the file
 *   <CACHE_DIR>/pio-deploy/artifacts/by-url/<sha256>    the SHA-512 last verified for a URL
 * A file only gets its final name after its digest was checked, so a failed or corrupted download can
 * never be found here. The by-url index lets an artifact whose digest came from a side file be reused
 * without fetching anything (the entry itself is re-hashed before use).
 */
export class ArtifactCache {
  readonly dir: string;

  constructor(cacheDir: string) {
    this.dir = join(cacheDir, 'pio-deploy', 'artifacts');
  }

  /** The cached file with this digest, if present and intact; a damaged entry is removed. */
  async find(sha512: string): Promise<string | undefined> {
    if (!isDigest(sha512, 'sha512')) return undefined;
    const path = join(this.dir, sha512);
    try {
      if (!(await stat(path)).isFile()) return undefined;
    } catch {
      return undefined;
    }
    if ((await sha512OfFile(path)) === sha512) return path;
    await rm(path, { force: true });
    return undefined;
  }

  async digestForUrl(url: string): Promise<string | undefined> {
    try {
      const digest = (await readFile(this.urlIndexPath(url), 'utf8')).trim();
      return isDigest(digest, 'sha512') ? digest : undefined;
    } catch {
      return undefined;
    }
  }

  /** A fresh temp path inside the cache (same file system, so the final rename is atomic). */
  async tempFile(): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    return join(this.dir, `.download-${randomBytes(8).toString('hex')}.tmp`);
  }

  /** Moves a verified download into place and records which URL it came from. */
  async commit(tempFile: string, sha512: string, url: string): Promise<string> {
    const path = join(this.dir, sha512);
    await rename(tempFile, path);
    await writeFileAtomic(this.urlIndexPath(url), `${sha512}\n`);
    return path;
  }

  /**
   * Removes artifacts this build did not use (an older PredictionIO or Spark), so the build cache holds
   * one distribution's worth of files instead of every version ever installed. Returns how many went.
   */
  async retainOnly(digests: Iterable<string>): Promise<number> {
    const keep = new Set(digests);
    let removed = 0;
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    for (const name of names) {
      if (isDigest(name, 'sha512') && !keep.has(name)) {
        await rm(join(this.dir, name), { force: true });
        removed += 1;
      }
    }
    const indexDir = join(this.dir, 'by-url');
    for (const name of await readdir(indexDir).catch(() => [] as string[])) {
      const digest = (await readFile(join(indexDir, name), 'utf8').catch(() => '')).trim();
      if (!keep.has(digest)) await rm(join(indexDir, name), { force: true });
    }
    return removed;
  }

  async discard(tempFile: string): Promise<void> {
    await rm(tempFile, { force: true });
  }

  private urlIndexPath(url: string): string {
    return join(this.dir, 'by-url', createHash('sha256').update(url).digest('hex'));
  }
}

export async function sha512OfFile(path: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
