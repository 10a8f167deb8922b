import { randomBytes, randomUUID } from 'node:crypto';

/** Event id as the JDBC backend generates it: a random UUID as 32 lowercase hex digits, no dashes. */
export function generateEventId(): string {
  return randomUUID().replaceAll('-', '');
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
