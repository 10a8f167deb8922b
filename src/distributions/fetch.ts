import axios, { type AxiosResponse } from 'axios';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { MultiHash, type DigestAlgorithm } from './checksum.js';
import { redactUrl } from '../lib/redact.js';

/** A failed download, already worded for a person (URLs redacted). */
export class FetchError extends Error {
  constructor(
    message: string,
    /** Worth trying again: network errors, 5xx, truncated bodies. Never 404s or digest mismatches. */
    readonly retryable: boolean,
    readonly notFound: boolean = false,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

export interface FetchOptions {
  /** Total tries per download (first try included). */
  attempts: number;
  /** Delay before the first retry; doubles each time. */
  retryBaseMs: number;
  /** Give up on a connection that sends nothing for this long. */
  idleTimeoutMs: number;
  onRetry?: (error: FetchError, attempt: number, delayMs: number) => void;
}

export const DEFAULT_FETCH_OPTIONS: FetchOptions = { attempts: 4, retryBaseMs: 1000, idleTimeoutMs: 30_000 };

export interface DownloadResult {
  bytes: number;
  digests: Partial<Record<DigestAlgorithm, string>>;
}

export type ProgressListener = (received: number, total: number | undefined) => void;

/**
 * Streams `url` (http, https or file) into `file`, hashing while it writes, and checks the body against
 * Content-Length so a connection cut short is caught here, not by tar later. Network errors and 5xx
 * answers are retried with exponential backoff; each try starts the file afresh.
 */
export async function downloadToFile(
  url: string,
  file: string,
  algorithms: DigestAlgorithm[],
  options: FetchOptions,
  onProgress?: ProgressListener,
): Promise<DownloadResult> {
  return withRetry(options, async () => {
    const { body, length } = await openBody(url, options);
    const hash = new MultiHash(algorithms);
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        onProgress?.(bytes, length);
        callback(null, chunk);
      },
    });
    await pipeBody(url, body, [meter, createWriteStream(file)], options);
    if (length !== undefined && bytes !== length) {
      throw new FetchError(`Download of ${redactUrl(url)} was cut short: received ${bytes} of ${length} bytes.`, true);
    }
    return { bytes, digests: hash.digests() };
  });
}

/** Fetches a small text file (a checksum side file). */
export async function fetchText(url: string, options: FetchOptions, maxBytes = 64 * 1024): Promise<string> {
  return withRetry(options, async () => {
    const { body, length } = await openBody(url, options);
    const chunks: Buffer[] = [];
    let bytes = 0;
    const collect = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > maxBytes) {
          callback(new FetchError(`${redactUrl(url)} is larger than ${maxBytes} bytes: not a checksum file.`, false));
          return;
        }
        chunks.push(chunk);
        callback();
      },
    });
    await pipeBody(url, body, [collect], options);
    if (length !== undefined && bytes !== length) {
      throw new FetchError(`Download of ${redactUrl(url)} was cut short: received ${bytes} of ${length} bytes.`, true);
    }
    return Buffer.concat(chunks).toString('utf8');
  });
}

async function withRetry<T>(options: FetchOptions, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt();
    } catch (error) {
      const failure = asFetchError(error);
      if (!failure.retryable || tries >= options.attempts) throw failure;
      const delayMs = options.retryBaseMs * 2 ** (tries - 1);
      options.onRetry?.(failure, tries, delayMs);
      await sleep(delayMs);
    }
  }
}

async function openBody(url: string, options: FetchOptions): Promise<{ body: Readable; length?: number }> {
  const parsed = new URL(url);
  if (parsed.protocol === 'file:') {
    const path = fileURLToPath(parsed);
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new FetchError(`${redactUrl(url)} is not a file.`, false, true);
      return { body: createReadStream(path), length: info.size };
    } catch (error) {
      if (error instanceof FetchError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new FetchError(`${redactUrl(url)} does not exist (${code ?? 'unreadable'}).`, false, true);
    }
  }
  let response: AxiosResponse<Readable>;
  try {
    response = await axios.get<Readable>(url, {
      responseType: 'stream',
      // Keep the bytes exactly as published: the digest is of the file, not of a re-encoding.
      decompress: false,
      headers: { 'Accept-Encoding': 'identity', 'User-Agent': 'pio-deploy' },
      validateStatus: () => true,
      timeout: options.idleTimeoutMs,
      maxRedirects: 5,
    });
  } catch (error) {
    throw networkError(url, error);
  }
  const status = response.status;
  if (status !== 200) {
    response.data.destroy();
    const text = `${redactUrl(url)} answered HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}.`;
    if (status === 404 || status === 410) throw new FetchError(text, false, true);
    throw new FetchError(text, status >= 500 || status === 429 || status === 408);
  }
  const header = response.headers['content-length'];
  const length = header === undefined ? undefined : Number(header);
  return { body: response.data, length: Number.isFinite(length) ? length : undefined };
}

/** Pipes the body through `stages`, failing when the connection goes quiet for too long. */
async function pipeBody(
  url: string,
  body: Readable,
  stages: NodeJS.WritableStream[],
  options: FetchOptions,
): Promise<void> {
  const idle = setTimeout(() => {
    body.destroy(new FetchError(`${redactUrl(url)} sent nothing for ${options.idleTimeoutMs / 1000}s.`, true));
  }, options.idleTimeoutMs);
  body.on('data', () => idle.refresh());
  try {
    await pipeline([body, ...stages]);
  } catch (error) {
    if (error instanceof FetchError) throw error;
    throw networkError(url, error);
  } finally {
    clearTimeout(idle);
  }
}

function networkError(url: string, error: unknown): FetchError {
  if (error instanceof FetchError) return error;
  const code = (error as { code?: string }).code;
  const reason =
    code === 'ECONNRESET' || (error as Error).message === 'aborted'
      ? 'the connection was closed early'
      : code === 'ENOTFOUND'
        ? 'host not found (ENOTFOUND)'
        : code ?? 'network error';
  return new FetchError(`${redactUrl(url)}: ${reason}.`, true);
}

function asFetchError(error: unknown): FetchError {
  if (error instanceof FetchError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  // Local file-system trouble (disk full, permissions) is not something a retry fixes.
  if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS') {
    return new FetchError(`Could not write the download: ${code}.`, false);
  }
  return new FetchError(`Download failed: ${code ?? (error as Error).message}.`, true);
}
