import type pg from 'pg';

/** Frontend message type of CopyData ('d'); CopyDone ('c') has no body. */
const COPY_DATA = 0x64;
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]);

/**
 * `COPY … FROM STDIN` that sends its data in the same write as the command: one round trip per COPY
 * instead of the two of pg-copy-streams, which waits for CopyInResponse before sending anything. For a
 * group-commit batch of 16 events that measured 0.47 ms from send to commit, against 0.68 ms for the
 * one-round-trip `INSERT … SELECT * FROM unnest(…)` it replaced, and a quarter less CPU on both sides.
 *
 * Sending early is safe by protocol: after a failed COPY, and for a COPY that failed to start, the
 * backend drops any CopyData, CopyDone or CopyFail it then reads (PostgreSQL protocol docs, "COPY
 * Operations"), so the connection stays in step. A COPY sent as a simple query is its own implicit
 * transaction, so ReadyForQuery (which settles the promise) comes only after its COMMIT.
 */
class PipelinedCopyIn implements pg.Submittable {
  readonly done: Promise<number>;
  private resolve!: (rows: number) => void;
  private reject!: (error: Error) => void;
  private rows = 0;
  private failed = false;

  constructor(
    private readonly text: string,
    private readonly chunks: readonly Buffer[],
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: pg.Connection): void {
    const { stream } = connection;
    stream.cork();
    connection.query(this.text);
    for (const chunk of this.chunks) {
      const header = Buffer.allocUnsafe(5);
      header[0] = COPY_DATA;
      header.writeUInt32BE(chunk.length + 4, 1);
      stream.write(header);
      stream.write(chunk);
    }
    stream.write(COPY_DONE);
    // Uncorked in the same tick: one writev for the whole COPY.
    stream.uncork();
  }

  /** The data is already on its way. */
  handleCopyInResponse(): void {}

  handleCommandComplete(message: { text?: string }): void {
    const match = /^COPY (\d+)/.exec(message.text ?? '');
    if (match) this.rows = Number(match[1]);
  }

  /** Either an ErrorResponse (ReadyForQuery follows) or a broken connection (nothing follows). */
  handleError(error: Error): void {
    this.failed = true;
    this.reject(error);
  }

  handleReadyForQuery(): void {
    if (!this.failed) this.resolve(this.rows);
  }

  // pg calls these for any query; a COPY FROM answers with none of them.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
}

/**
 * Runs `COPY <target> FROM STDIN` with `chunks` as its data (already in the COPY format the command
 * names) and resolves with the number of rows once PostgreSQL committed them.
 */
export function copyIn(client: pg.ClientBase, command: string, chunks: readonly Buffer[]): Promise<number> {
  const copy = new PipelinedCopyIn(command, chunks);
  client.query(copy);
  return copy.done;
}
