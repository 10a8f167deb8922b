import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeImportFiles, type ImportProgress } from './import-lines.js';

/**
 * Reads `pio import` input (BEHAVIOUR.md#pio-import), from a file or from the part files of a directory (as
 * `pio export` and Spark write them), as COPY rows for storage's `importRows`.
 *
 * Decoding stays on the main thread: PostgreSQL consumes the previous chunk while the next one is
 * decoded, and a worker thread measured no faster (on a busy 2-core machine it only added its start-up).
 */

export { ImportLineError, type ImportProgress } from './import-lines.js';

export interface ImportRowSourceOptions {
  /** Called after each chunk (for a progress display). */
  onProgress?: ((progress: ImportProgress) => void) | undefined;
  /** Bytes per read (default 1 MiB). */
  chunkBytes?: number | undefined;
  /** The event table's `maxKeyLength` (storage `events.maxKeyLength`): a line with a longer key is refused. */
  maxKeyLength?: number | undefined;
}

/** The files an input path names: itself, or a directory's files except hidden ones and `_SUCCESS` markers. */
export async function listInputFiles(input: string): Promise<string[]> {
  const info = await stat(input);
  if (!info.isDirectory()) return [input];
  const entries = await readdir(input, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.') && !entry.name.startsWith('_'))
    .map((entry) => join(input, entry.name))
    .sort();
}

/**
 * The COPY rows (`encodeImportRow`'s format) of every line, in file order, as UTF-8 buffers of about a
 * read chunk each. Throws `ImportLineError` at the first invalid line (the consumer's transaction then
 * rolls back).
 */
export async function* importRowSource(files: readonly string[], options: ImportRowSourceOptions = {}): AsyncGenerator<Buffer> {
  for await (const { rows, progress } of decodeImportFiles(files, options.chunkBytes, options.maxKeyLength)) {
    options.onProgress?.(progress);
    yield* rows;
  }
}
