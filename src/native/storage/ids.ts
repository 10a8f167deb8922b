import { randomBytes, randomUUID } from 'node:crypto';

/** Ids per refill of the event id pool: one `randomBytes` call and one hex conversion per 4096 ids. */
const POOL_IDS = 4096;
/** RFC 4122 variant nibble (`10xx`) for each value of a random nibble's low two bits. */
const VARIANT_DIGITS = '89ab';
let pool = '';
let poolOffset = 0;

/**
 * Event id in the JDBC backend's format, 32 lowercase hex digits of a UUID without dashes, but a
 * time-ordered one (RFC 9562 version 7: the Unix time in milliseconds, then 74 random bits) where
 * upstream draws a random one: ids made in the same moment sit side by side in the primary-key index, so
 * inserting into a table of tens of millions of rows touches the index's last pages instead of a random
 * page each. The random bits are cut from a pool of secure random bytes, because `pio import` draws one
 * id per line and `randomUUID().replaceAll('-', '')` was a measurable share of its time.
 */
export function generateEventId(now = Date.now()): string {
  if (poolOffset >= pool.length) {
    pool = randomBytes(16 * POOL_IDS).toString('hex');
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += 32;
  const variant = VARIANT_DIGITS[Number.parseInt(pool[at + 16] as string, 16) & 3] as string;
  const time = Math.floor(now).toString(16).padStart(12, '0').slice(-12);
  return `${time}7${pool.slice(at + 13, at + 16)}${variant}${pool.slice(at + 17, at + 32)}`;
}

/** Engine/evaluation instance id: canonical 36-char lowercase UUID. */
export function generateInstanceId(): string {
  return randomUUID();
}

/**
 * Access key as upstream generates it: 48 secure random bytes, URL-safe Base64 without padding (64 chars),
 * drawn again while it starts with `-` (a leading dash would read as a command-line option).
 */
export function generateAccessKey(): string {
  for (;;) {
    const key = randomBytes(48).toString('base64url');
    if (!key.startsWith('-')) return key;
  }
}
