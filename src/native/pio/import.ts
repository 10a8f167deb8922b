import { stat } from 'node:fs/promises';
import type { EventScope, Storage } from '../storage/index.js';
import { abort, pioLogger } from '../console/index.js';
import type { ImportLineError, ImportProgress } from './import-lines.js';

/**
 * `pio import --appid <id> --input <path> [--channel <name>]` (BEHAVIOUR.md#pio-import). Unlike upstream the import
 * is all or nothing: every event goes through one COPY in one transaction, and the first invalid line
 * fails the import with its line number before anything is committed.
 */

const fileToEvents = pioLogger('FileToEvents$');

/** The event table an `--appid`/`--channel` pair names; logs and aborts when it does not exist. */
export async function resolveScope(
  storage: Storage,
  appId: number,
  channelName: string | undefined,
  loggerName: string,
): Promise<EventScope> {
  const app = await storage.apps.get(appId);
  if (!app) abort(loggerName, `App ID ${appId} does not exist.`);
  if (channelName === undefined) return { appId };
  const channel = (await storage.channels.getByAppId(appId)).find((candidate) => candidate.name === channelName);
  if (!channel) abort(loggerName, `Channel ${channelName} doesn't exist in this app.`);
  return { appId, channelId: channel.id };
}

export async function runImport(storage: Storage, options: { appid: number; input: string; channel?: string }): Promise<void> {
  const inputExists = await stat(options.input).then(
    () => true,
    () => false,
  );
  if (!inputExists) abort('FileToEvents$', `Input path ${options.input} does not exist.`);
  const scope = await resolveScope(storage, options.appid, options.channel, 'FileToEvents$');
  const { importRowSource, listInputFiles, ImportLineError } = await import('./import-source.js');
  const files = await listInputFiles(options.input);
  const started = Date.now();
  const progress = createProgressDisplay(started);
  let count = 0;
  const onProgress = (current: ImportProgress) => {
    count = current.events;
    progress.update(current);
  };
  try {
    await storage.events.importRows(scope, importRowSource(files, { onProgress, maxKeyLength: storage.events.maxKeyLength }));
  } catch (error) {
    progress.done();
    const lineError = findLineError(error, ImportLineError);
    if (lineError) abort('FileToEvents$', lineError.message, 'Nothing was imported.');
    abort('FileToEvents$', `Import failed: ${error instanceof Error ? error.message : String(error)}`, 'Nothing was imported.');
  }
  progress.done();
  const seconds = (Date.now() - started) / 1000;
  fileToEvents.info(
    `Imported ${count} event(s) in ${seconds.toFixed(1)} s (${Math.round(count / Math.max(seconds, 0.001))} events/s).`,
  );
  fileToEvents.info('Events are imported.');
  fileToEvents.info('Done.');
}

function findLineError(error: unknown, lineErrorClass: typeof ImportLineError): ImportLineError | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof lineErrorClass) return current;
  }
  return undefined;
}

/** `lines/s` on stderr, only when stderr is a terminal (stdout stays parseable). */
function createProgressDisplay(started: number): { update: (progress: ImportProgress) => void; done: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, done: () => {} };
  let lastDraw = 0;
  let drawn = false;
  return {
    update(progress) {
      const now = Date.now();
      if (now - lastDraw < 200) return;
      lastDraw = now;
      drawn = true;
      const rate = Math.round(progress.lines / Math.max((now - started) / 1000, 0.001));
      process.stderr.write(`\r\x1b[KImporting: ${progress.lines} lines, ${progress.events} events (${rate} lines/s)`);
    },
    done() {
      if (drawn) process.stderr.write('\r\x1b[K');
    },
  };
}
