import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How the server answers for one path:
 *  - 'ok': the body, with Content-Length;
 *  - 'not-found': 404;
 *  - 'truncate': Content-Length of the full body, half of it, then the connection is cut;
 *  - 'corrupt': a body of the right length with one byte changed;
 *  - { failFirst, status }: `status` for the first `failFirst` requests, then 'ok'.
 */
export type Behaviour = 'ok' | 'not-found' | 'truncate' | 'corrupt' | { failFirst: number; status: number };

export interface ServedRequest {
  path: string;
  status: number;
  bytes: number;
  authorization: string | undefined;
}

export interface FixtureServer {
  /** `http://127.0.0.1:<port><path>` (path starts with /). */
  url(path: string): string;
  /** Registers a file; by default also `<path>.sha512` in Apache's gpg layout. */
  put(path: string, body: Buffer, options?: { behaviour?: Behaviour; checksum?: 'gpg' | 'coreutils' | 'none' }): void;
  setBehaviour(path: string, behaviour: Behaviour): void;
  /** Every request from now on must carry these Basic credentials (else 401). */
  requireAuth(user: string, password: string): void;
  readonly requests: ServedRequest[];
  /** Body bytes sent so far, over all requests. */
  bytesServed(): number;
  close(): Promise<void>;
}

interface Entry {
  body: Buffer;
  behaviour: Behaviour;
  hits: number;
}

export async function startFixtureServer(): Promise<FixtureServer> {
  const files = new Map<string, Entry>();
  const requests: ServedRequest[] = [];
  let auth: string | undefined;

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const record: ServedRequest = { path, status: 200, bytes: 0, authorization: request.headers.authorization };
    requests.push(record);
    const send = (status: number, body: Buffer, headers: Record<string, string | number> = {}) => {
      record.status = status;
      record.bytes += body.length;
      response.writeHead(status, { 'Content-Length': body.length, ...headers });
      response.end(body);
    };
    if (auth && request.headers.authorization !== auth) {
      send(401, Buffer.from('unauthorized\n'), { 'WWW-Authenticate': 'Basic realm="fixtures"' });
      return;
    }
    const entry = files.get(path);
    if (!entry) {
      send(404, Buffer.from('not found\n'));
      return;
    }
    entry.hits += 1;
    let behaviour = entry.behaviour;
    if (typeof behaviour === 'object') {
      if (entry.hits <= behaviour.failFirst) {
        send(behaviour.status, Buffer.from('temporarily unavailable\n'));
        return;
      }
      behaviour = 'ok';
    }
    switch (behaviour) {
      case 'not-found':
        send(404, Buffer.from('not found\n'));
        return;
      case 'corrupt': {
        const body = Buffer.from(entry.body);
        const middle = Math.floor(body.length / 2);
        body[middle] = (body[middle] ?? 0) ^ 0xff;
        send(200, body);
        return;
      }
      case 'truncate': {
        const half = entry.body.subarray(0, Math.floor(entry.body.length / 2));
        record.bytes += half.length;
        response.writeHead(200, { 'Content-Length': entry.body.length });
        response.write(half, () => response.socket?.destroy());
        return;
      }
      default:
        send(200, entry.body);
    }
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    put(path, body, options = {}) {
      files.set(path, { body, behaviour: options.behaviour ?? 'ok', hits: 0 });
      const checksum = options.checksum ?? 'gpg';
      if (checksum === 'none') return;
      const name = path.split('/').pop() ?? path;
      const text = checksum === 'gpg' ? gpgSha512(name, body) : `${sha512Hex(body)}  ${name}\n`;
      files.set(`${path}.sha512`, { body: Buffer.from(text), behaviour: 'ok', hits: 0 });
    },
    setBehaviour(path, behaviour) {
      const entry = files.get(path);
      if (!entry) throw new Error(`no fixture at ${path}`);
      entry.behaviour = behaviour;
      entry.hits = 0;
    },
    requireAuth(user, password) {
      auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    },
    requests,
    bytesServed: () => requests.reduce((sum, request) => sum + request.bytes, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sha512Hex(body: Buffer): string {
  return createHash('sha512').update(body).digest('hex');
}

/**
 * `gpg --print-md SHA512 <file>` layout, as Apache projects publish it: `<file>: ` then upper-case hex
 * in 8-character groups, wrapped at 80 columns with continuation lines aligned under the first group.
 */
export function gpgSha512(fileName: string, body: Buffer): string {
  const groups = sha512Hex(body).toUpperCase().match(/.{8}/g) ?? [];
  const prefix = `${fileName}: `;
  const indent = ' '.repeat(Math.min(prefix.length, 40));
  const lines: string[] = [];
  let line = prefix;
  for (const group of groups) {
    const candidate = line === prefix || line === indent ? `${line}${group}` : `${line} ${group}`;
    if (candidate.length > 79 && line !== prefix && line !== indent) {
      lines.push(line);
      line = `${indent}${group}`;
    } else {
      line = candidate;
    }
  }
  lines.push(line);
  return `${lines.join('\n')}\n`;
}
