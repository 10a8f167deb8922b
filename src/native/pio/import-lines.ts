import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { InvalidEventError, MAX_EVENT_ID_LENGTH } from '../events/index.js';
import { ImportRowEncoder } from './import-row.js';

/**
 * The decoding half of `pio import` (spec §5.13): reads the input files a chunk at a time and turns
 * their lines (one event JSON object each) into COPY rows, synchronously per chunk, so per-event cost is
 * the decoder's and not the event loop's.
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

/** The rows of one read chunk, and the progress after it. */
export interface DecodedChunk {
  rows: Buffer[];
  progress: ImportProgress;
}

/**
 * COPY rows of every line of `files`, in order, as UTF-8 buffers of about a read chunk each. Throws
 * `ImportLineError` at the first invalid line, naming the file's part when there are several files.
 */
export async function* decodeImportFiles(files: readonly string[], chunkBytes = 1024 * 1024): AsyncGenerator<DecodedChunk> {
  const progress: ImportProgress = { lines: 0, events: 0 };
  const seenIds = new Map<string, string>();
  for (const file of files) {
    const lines = new LineDecoder(file, files.length > 1 ? `${basename(file)} ` : '', seenIds);
    const text = new StringDecoder('utf8');
    const stream = createReadStream(file, { highWaterMark: chunkBytes });
    const before = { ...progress };
    const decode = (chunk: string, isLast: boolean): DecodedChunk => {
      const rows = lines.push(chunk, isLast);
      progress.lines = before.lines + lines.lineNumber;
      progress.events = before.events + lines.events;
      return { rows, progress: { ...progress } };
    };
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) yield decode(text.write(chunk), false);
    } finally {
      stream.destroy();
    }
    yield decode(text.end(), true);
  }
}

/**
 * Collects rows as UTF-8 in large buffers. Each row is written out as soon as it is made, so rows die
 * young: keeping a read chunk's rows as strings until the chunk is done made garbage collection the
 * largest cost of an import (every scavenge copied thousands of surviving strings).
 */
class RowBuffers {
  private readonly full: Buffer[] = [];
  private buffer: Buffer;
  private used = 0;

  constructor(private readonly capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  add(row: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.buffer.length - this.used < row.length * 3) {
      if (this.used > 0) this.full.push(this.buffer.subarray(0, this.used));
      this.buffer = Buffer.allocUnsafe(Math.max(this.capacity, row.length * 3));
      this.used = 0;
    }
    this.used += this.buffer.write(row, this.used);
  }

  take(): Buffer[] {
    if (this.used > 0) this.full.push(this.buffer.subarray(0, this.used));
    return this.full;
  }
}

/** Splits text into lines across chunks and encodes each non-blank line as a COPY row. */
class LineDecoder {
  lineNumber = 0;
  /** Events encoded so far. */
  events = 0;
  private pending = '';
  private readonly encoder = new ImportRowEncoder();

  constructor(
    private readonly file: string,
    /** `part-00001 ` when reading several files, so errors name the file. */
    private readonly label: string,
    /** eventId → where it was first seen, across all files of one import. */
    private readonly seenIds: Map<string, string>,
  ) {}

  /** The COPY rows (UTF-8) of the chunk's complete lines (all remaining lines when `isLast`). */
  push(chunk: string, isLast: boolean): Buffer[] {
    const text = this.pending + chunk;
    this.encoder.setNow(new Date());
    const rows = new RowBuffers(Math.max(64 * 1024, Math.ceil(text.length * 1.25)));
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline === -1 && (!isLast || start >= text.length)) break;
      const stop = newline === -1 ? text.length : newline;
      this.lineNumber++;
      const row = this.encodeLine(text.slice(start, stop));
      if (row !== '') rows.add(row);
      start = stop + 1;
    }
    this.pending = start >= text.length ? '' : text.slice(start);
    return rows.take();
  }

  private where(): string {
    return `${this.label}line ${this.lineNumber}`;
  }

  private fail(reason: string): never {
    throw new ImportLineError(this.file, this.lineNumber, `${this.where()}: ${reason}`);
  }

  /** The line's row, or '' for a blank line. */
  private encodeLine(rawLine: string): string {
    let line = rawLine.charCodeAt(rawLine.length - 1) === 0x0d ? rawLine.slice(0, -1) : rawLine;
    if (this.lineNumber === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.charCodeAt(0) !== 0x7b && line.trim() === '') return '';
    let row: string;
    try {
      row = this.encoder.encode(line);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      this.fail(error.kind === 'syntax' ? `malformed JSON (${error.message})` : error.message);
    }
    const id = this.encoder.eventId;
    if (id !== undefined) {
      if (id.length > MAX_EVENT_ID_LENGTH) {
        this.fail(`eventId ${JSON.stringify(id)} is longer than ${MAX_EVENT_ID_LENGTH} characters`);
      }
      const first = this.seenIds.get(id);
      if (first !== undefined) this.fail(`eventId ${JSON.stringify(id)} appears twice (first on ${first})`);
      this.seenIds.set(id, this.where());
    }
    this.events++;
    return row;
  }
}
