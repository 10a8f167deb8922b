import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** What decides whether a request may use `/stop` and `/reload`. */
export interface ControlRequest {
  query: unknown;
  remoteAddress: string | undefined;
  /** The server's end of the connection. */
  localAddress: string | undefined;
  headers: IncomingHttpHeaders;
}

export type ControlDecision = { allowed: true } | { allowed: false; status: 401 | 403 };

/**
 * `/stop` and `/reload` are secure by default. With a server key (`PIO_SERVER_ACCESS_KEY`) they need
 * `?accessKey=<key>` (upstream's `key-auth-enforced`; 401 otherwise); without one only a client on this
 * machine may use them (403 otherwise): one connecting over loopback, or from the very address it
 * connected to (`pio deploy --ip <this machine's address>` replacing its predecessor). A request a proxy
 * forwarded (the platform router on a dyno, the local router) is not local whatever the proxy's address.
 */
export function controlAccess(request: ControlRequest, serverKey: string | undefined): ControlDecision {
  if (serverKey !== undefined) {
    return keysMatch((request.query as { accessKey?: unknown } | undefined)?.accessKey, serverKey)
      ? { allowed: true }
      : { allowed: false, status: 401 };
  }
  const forwarded = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
  return !forwarded && isSameMachine(request.remoteAddress, request.localAddress) ? { allowed: true } : { allowed: false, status: 403 };
}

/**
 * True for a loopback client, or one whose address is the server's own end of the connection (no remote
 * host can complete a TCP handshake from an address of ours).
 */
export function isSameMachine(remoteAddress: string | undefined, localAddress: string | undefined): boolean {
  if (remoteAddress === undefined) return false;
  const remote = withoutIpv4Mapping(remoteAddress);
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(remote) || remote === '::1') return true;
  return localAddress !== undefined && remote === withoutIpv4Mapping(localAddress);
}

/** `::ffff:10.0.0.1` (an IPv4 client of a dual-stack socket) → `10.0.0.1`. */
function withoutIpv4Mapping(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

/** Constant time whatever the key and the guess: digests have one length, so no length is leaked. */
export function keysMatch(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
