import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { decodeImportFiles, ImportLineError, type ImportProgress } from './import-lines.js';
import type { ImportWorkerInput, ImportWorkerMessage } from './import-worker.js';

/**
 * Reads `pio import` input (spec §5.13), from a file or from the part files of a directory (as
 * `pio export` and Spark write them), as COPY rows for storage's `importRows`. Decoding runs in a
 * worker thread, so the main thread is always free to feed PostgreSQL while the next chunk is decoded
 * (and on a busy machine the import gets a second thread's share of the CPUs).
 */

export { ImportLineError, type ImportProgress } from './import-lines.js';

export interface ImportRowSourceOptions {
  /** Called after each chunk (for a progress display). */
  onProgress?: ((progress: ImportProgress) => void) | undefined;
  /** Bytes per read (default 1 MiB). */
  chunkBytes?: number | undefined;
  /** Decode in a worker thread (default: when the compiled worker module exists, i.e. not under a TS loader). */
  worker?: boolean | undefined;
}

const WORKER_MODULE = new URL('./import-worker.js', import.meta.url);
/** Decoded chunks the worker may keep ready ahead of the COPY (each about 1 MiB). */
const WORKER_WINDOW = 4;

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
 * The COPY rows (`encodeImportRow`'s format) of every line, in file order, as UTF-8 buffers. Throws
 * `ImportLineError` at the first invalid line (the consumer's transaction then rolls back).
 */
export function importRowSource(files: readonly string[], options: ImportRowSourceOptions = {}): AsyncGenerator<Buffer> {
  const useWorker = options.worker ?? (process.env.H11_WORKER !== '0' && existsSync(fileURLToPath(WORKER_MODULE)));
  return useWorker ? rowsFromWorker(files, options) : rowsInThisThread(files, options);
}

async function* rowsInThisThread(files: readonly string[], options: ImportRowSourceOptions): AsyncGenerator<Buffer> {
  for await (const { rows, progress } of decodeImportFiles(files, options.chunkBytes)) {
    options.onProgress?.(progress);
    yield* rows;
  }
}

async function* rowsFromWorker(files: readonly string[], options: ImportRowSourceOptions): AsyncGenerator<Buffer> {
  const input: ImportWorkerInput = { files: [...files], chunkBytes: options.chunkBytes ?? 1024 * 1024, window: WORKER_WINDOW };
  const worker = new Worker(WORKER_MODULE, { workerData: input });
  const inbox: ImportWorkerMessage[] = [];
  let failure: Error | undefined;
  let exited = false;
  let wake: (() => void) | undefined;
  worker.on('message', (message: ImportWorkerMessage) => {
    inbox.push(message);
    wake?.();
  });
  worker.on('error', (error) => {
    failure = error;
    wake?.();
  });
  worker.on('exit', () => {
    exited = true;
    wake?.();
  });
  try {
    for (;;) {
      const message = inbox.shift();
      if (!message) {
        if (failure) throw failure;
        if (exited) throw new Error('The import worker thread stopped unexpectedly.');
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      if (message.type === 'done') return;
      if (message.type === 'line-error') throw new ImportLineError(message.file, message.lineNumber, message.message);
      options.onProgress?.({ lines: message.lines, events: message.events });
      for (const row of message.rows) yield Buffer.from(row.buffer, row.byteOffset, row.byteLength);
      worker.postMessage('credit');
    }
  } finally {
    await worker.terminate();
  }
}
