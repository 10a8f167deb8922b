import { parentPort, workerData } from 'node:worker_threads';
import { decodeImportFiles, ImportLineError } from './import-lines.js';

/**
 * The worker thread of `pio import`: decodes the input files and posts their COPY rows to the main
 * thread, which streams them to PostgreSQL. It stays at most `window` chunks ahead of the main thread
 * (one credit comes back per chunk taken), so memory stays bounded when PostgreSQL is the slower side.
 */

export interface ImportWorkerInput {
  files: string[];
  chunkBytes: number;
  window: number;
}

export type ImportWorkerMessage =
  | { type: 'chunk'; rows: Uint8Array[]; lines: number; events: number }
  | { type: 'line-error'; file: string; lineNumber: number; message: string }
  | { type: 'done' };

const port = parentPort;
if (!port) throw new Error('import-worker.js runs as a worker thread of pio import');
const { files, chunkBytes, window } = workerData as ImportWorkerInput;
let credits = window;
let creditArrived: (() => void) | undefined;
const onCredit = () => {
  credits++;
  creditArrived?.();
};
port.on('message', onCredit);

try {
  for await (const { rows, progress } of decodeImportFiles(files, chunkBytes)) {
    while (credits === 0) await new Promise<void>((resolve) => (creditArrived = resolve));
    credits--;
    // Row buffers are never pooled (allocUnsafeSlow), so their memory can move to the main thread.
    const transfer = [...new Set(rows.map((row) => row.buffer as ArrayBuffer))];
    const message: ImportWorkerMessage = { type: 'chunk', rows, lines: progress.lines, events: progress.events };
    port.postMessage(message, transfer);
  }
  port.postMessage({ type: 'done' } satisfies ImportWorkerMessage);
} catch (error) {
  if (!(error instanceof ImportLineError)) throw error;
  const { file, lineNumber, message } = error;
  port.postMessage({ type: 'line-error', file, lineNumber, message } satisfies ImportWorkerMessage);
} finally {
  port.off('message', onCredit);
}
