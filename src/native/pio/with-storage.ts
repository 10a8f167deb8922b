import type { Storage } from '../storage/index.js';
import { formatLogLine } from '../console/index.js';

/**
 * Opens storage from the environment (PIO_STORAGE_* → DATABASE_URL → embedded PostgreSQL), runs `fn`
 * and closes it. The storage module (and pg) is imported here, on first use, to keep `pio` startup fast.
 */
export async function withStorage<T>(fn: (storage: Storage) => Promise<T>): Promise<T> {
  const { openStorage, resolveStorageSettings } = await import('../storage/index.js');
  // Embedded PostgreSQL start-up progress goes to stderr: stdout of list/show commands is parsed by scripts.
  const storage = await openStorage(resolveStorageSettings(process.env), {
    log: (line) => process.stderr.write(`${formatLogLine('INFO', 'Storage$', line)}`),
  });
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}
