import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import type { EventScope, Storage } from '../storage/index.js';
import { abort, pioLogger } from '../console/index.js';
import { withStorage } from './with-storage.js';
import { resolveScope } from './import.js';

/**
 * `pio export --appid <id> --output <dir> [--channel <name>] [--format json]` (BEHAVIOUR.md#pio-export): a directory
 * with `part-00000` (one BEHAVIOUR.md#event-output event per line) and a `_SUCCESS` marker, as upstream's Spark job writes
 * it. The directory appears only when complete (written under a temporary name, then renamed).
 */

const eventsToFile = pioLogger('EventsToFile$');
const FLUSH_CHARS = 256 * 1024;

export async function runExport(options: { appid: number; output: string; channel?: string; format: string }): Promise<void> {
  if (options.format === 'parquet') {
    abort('EventsToFile$', 'The parquet format is not supported by the native runtime. Use --format json.');
  }
  if (options.format !== 'json') abort('EventsToFile$', `Unknown format ${options.format}. Use --format json.`);
  const output = options.output.length > 1 ? options.output.replace(/\/+$/, '') : options.output;
  const exists = await stat(output).then(
    () => true,
    () => false,
  );
  if (exists) abort('EventsToFile$', `Output path ${output} already exists. Choose a new --output directory.`);
  await withStorage(async (storage) => {
    const scope = await resolveScope(storage, options.appid, options.channel, 'EventsToFile$');
    const temporary = `${output}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await mkdir(temporary, { recursive: true });
      await writeEvents(storage, scope, join(temporary, 'part-00000'));
      await writeFile(join(temporary, '_SUCCESS'), '');
      await rename(temporary, output);
    } catch (error) {
      await rm(temporary, { recursive: true, force: true });
      throw error;
    }
  });
  eventsToFile.info(`Events are exported to ${output}/.`);
  eventsToFile.info('Done.');
}

async function writeEvents(storage: Storage, scope: EventScope, path: string): Promise<void> {
  const { formatEvent } = await import('../events/index.js');
  const file = createWriteStream(path);
  const closed = once(file, 'close');
  closed.catch(() => {}); // a write error also surfaces from write/drain below
  try {
    let buffer = '';
    for await (const event of storage.events.stream(scope)) {
      buffer += `${formatEvent(event)}\n`;
      if (buffer.length >= FLUSH_CHARS) {
        if (!file.write(buffer)) await once(file, 'drain');
        buffer = '';
      }
    }
    file.end(buffer);
    await closed;
  } catch (error) {
    file.destroy();
    throw error;
  }
}
