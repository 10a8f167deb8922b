import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { eventIdProblem, InvalidEventError } from '../events/index.js';
import { CopyRowWriter } from '../storage/copy-rows.js';
import { ImportRowEncoder } from './import-row.js';

/**
 * The decoding half of `pio import` (BEHAVIOUR.md#pio-import): reads the input files a chunk at a time and turns
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
export async function* decodeImportFiles(
  files: readonly string[],
  chunkBytes = 1024 * 1024,
  maxKeyLength?: number,
): AsyncGenerator<DecodedChunk> {
  const progress: ImportProgress = { lines: 0, events: 0 };
  const seenIds = new Map<string, string>();
  for (const file of files) {
    const lines = new LineDecoder(file, files.length > 1 ? `${basename(file)} ` : '', seenIds, maxKeyLength);
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

/** Splits text into lines across chunks and encodes each non-blank line as a COPY row. */
class LineDecoder {
  lineNumber = 0;
  /** Events encoded so far. */
  events = 0;
  private pending = '';
  private readonly writer = new CopyRowWriter();
  private readonly encoder: ImportRowEncoder;

  constructor(
    private readonly file: string,
    /** `part-00001 ` when reading several files, so errors name the file. */
    private readonly label: string,
    /** eventId → where it was first seen, across all files of one import. */
    private readonly seenIds: Map<string, string>,
    maxKeyLength: number | undefined,
  ) {
    this.encoder = new ImportRowEncoder(this.writer, maxKeyLength);
  }

  /** The COPY rows of the chunk's complete lines (all remaining lines when `isLast`). */
  push(chunk: string, isLast: boolean): Buffer[] {
    const text = this.pending + chunk;
    this.encoder.setNow(new Date());
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline === -1 && (!isLast || start >= text.length)) break;
      const stop = newline === -1 ? text.length : newline;
      this.lineNumber++;
      this.encodeLine(text.slice(start, stop));
      start = stop + 1;
    }
    this.pending = start >= text.length ? '' : text.slice(start);
    return this.writer.take();
  }

  private where(): string {
    return `${this.label}line ${this.lineNumber}`;
  }

  private fail(reason: string): never {
    throw new ImportLineError(this.file, this.lineNumber, `${this.where()}: ${reason}`);
  }

  /** Writes the line's row (nothing for a blank line). */
  private encodeLine(rawLine: string): void {
    let line = rawLine.charCodeAt(rawLine.length - 1) === 0x0d ? rawLine.slice(0, -1) : rawLine;
    if (this.lineNumber === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.charCodeAt(0) !== 0x7b && line.trim() === '') return;
    try {
      this.encoder.encode(line);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      this.fail(error.kind === 'syntax' ? `malformed JSON (${error.message})` : error.message);
    }
    const id = this.encoder.eventId;
    if (id !== undefined) {
      const idProblem = eventIdProblem(id);
      if (idProblem !== undefined) this.fail(idProblem);
      const first = this.seenIds.get(id);
      if (first !== undefined) this.fail(`eventId ${JSON.stringify(id)} appears twice (first on ${first})`);
      this.seenIds.set(id, this.where());
    }
    this.events++;
  }
}
