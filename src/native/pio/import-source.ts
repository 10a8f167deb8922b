import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { decodeEventJson, InvalidEventError, MAX_EVENT_ID_LENGTH, type DecodedEvent } from '../events/index.js';

/**
 * Reads `pio import` input: one event JSON object per line (spec §5.13), from a file or from the part
 * files of a directory (as `pio export` and Spark write them). Lines are decoded a read chunk at a time,
 * synchronously, so per-event cost is the decoder's and not the event loop's.
 */

/** A line that is not a valid event: the whole import fails with this message (`line N: <reason>`). */
export class ImportLineError extends Error {
  constructor(
    readonly file: string,
    readonly lineNumber: number,
    message: string,
  ) {
    super(message);
    this.name = 'ImportLineError';
  }
}

export interface ImportProgress {
  lines: number;
  events: number;
}

export interface EventLineSourceOptions {
  /** Called after each chunk (for a progress display). */
  onProgress?: ((progress: ImportProgress) => void) | undefined;
  /** Bytes per read (default 1 MiB). */
  chunkBytes?: number | undefined;
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
 * Decoded events of every line, in file order, as an async iterable for storage's bulk import. Throws
 * `ImportLineError` at the first invalid line (the consumer's transaction then rolls back).
 */
export function eventLineSource(files: readonly string[], options: EventLineSourceOptions = {}): AsyncIterable<DecodedEvent> {
  return {
    [Symbol.asyncIterator]: () => {
      const batches = decodedBatches(files, options);
      let batch: DecodedEvent[] = [];
      let index = 0;
      return {
        async next(): Promise<IteratorResult<DecodedEvent>> {
          while (index >= batch.length) {
            const result = await batches.next();
            if (result.done) return { value: undefined, done: true };
            batch = result.value;
            index = 0;
          }
          return { value: batch[index++] as DecodedEvent, done: false };
        },
        async return(): Promise<IteratorResult<DecodedEvent>> {
          await batches.return(undefined);
          return { value: undefined, done: true };
        },
      };
    },
  };
}

async function* decodedBatches(files: readonly string[], options: EventLineSourceOptions): AsyncGenerator<DecodedEvent[]> {
  const progress: ImportProgress = { lines: 0, events: 0 };
  const seenIds = new Map<string, string>();
  for (const file of files) {
    const lines = new LineDecoder(file, files.length > 1 ? `${basename(file)} ` : '', seenIds);
    const text = new StringDecoder('utf8');
    const stream = createReadStream(file, { highWaterMark: options.chunkBytes ?? 1024 * 1024 });
    const linesBefore = progress.lines;
    const chunks = (async function* () {
      for await (const chunk of stream as AsyncIterable<Buffer>) yield lines.push(text.write(chunk), false);
      yield lines.push(text.end(), true);
    })();
    for await (const events of chunks) {
      progress.lines = linesBefore + lines.lineNumber;
      progress.events += events.length;
      options.onProgress?.(progress);
      if (events.length > 0) yield events;
    }
  }
}

/** Splits text into lines across chunks and decodes each non-blank line. */
class LineDecoder {
  lineNumber = 0;
  private pending = '';

  constructor(
    private readonly file: string,
    /** `part-00001 ` when reading several files, so errors name the file. */
    private readonly label: string,
    /** eventId → where it was first seen, across all files of one import. */
    private readonly seenIds: Map<string, string>,
  ) {}

  push(chunk: string, isLast: boolean): DecodedEvent[] {
    const text = this.pending + chunk;
    const now = new Date();
    const events: DecodedEvent[] = [];
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline === -1 && (!isLast || start >= text.length)) break;
      const stop = newline === -1 ? text.length : newline;
      this.lineNumber++;
      const event = this.decodeLine(text.slice(start, stop), now);
      if (event) events.push(event);
      start = stop + 1;
    }
    this.pending = start >= text.length ? '' : text.slice(start);
    return events;
  }

  private where(): string {
    return `${this.label}line ${this.lineNumber}`;
  }

  private fail(reason: string): never {
    throw new ImportLineError(this.file, this.lineNumber, `${this.where()}: ${reason}`);
  }

  private decodeLine(rawLine: string, now: Date): DecodedEvent | undefined {
    let line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (this.lineNumber === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.trim() === '') return undefined;
    let event: DecodedEvent;
    try {
      event = decodeEventJson(line, { now });
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      this.fail(error.kind === 'syntax' ? `malformed JSON (${error.message})` : error.message);
    }
    const id = event.eventId;
    if (id !== undefined && id !== '') {
      if (id.length > MAX_EVENT_ID_LENGTH) {
        this.fail(`eventId ${JSON.stringify(id)} is longer than ${MAX_EVENT_ID_LENGTH} characters`);
      }
      const first = this.seenIds.get(id);
      if (first !== undefined) this.fail(`eventId ${JSON.stringify(id)} appears twice (first on ${first})`);
      this.seenIds.set(id, this.where());
    }
    return event;
  }
}
