import { createHash, type Hash } from 'node:crypto';

export type DigestAlgorithm = 'sha512' | 'sha256' | 'sha1';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha512: 128, sha256: 64, sha1: 40 };

export function isDigest(value: string, algorithm: DigestAlgorithm): boolean {
  return new RegExp(`^[0-9a-f]{${HEX_LENGTH[algorithm]}}$`).test(value);
}

/** Normalises a digest given by a person (`<NAME>_SHA512`): whitespace removed, lowercase. */
export function normaliseDigest(value: string): string {
  return value.replace(/\s+/g, '').toLowerCase();
}

/**
 * Reads the digest out of a published checksum side file. Three layouts exist in the wild:
 *  - gpg (Apache releases, `gpg --print-md SHA512 f > f.sha512`): `f: 8C0C7A4E 5E2B...` in upper-case
 *    8-character groups, wrapped over indented lines;
 *  - coreutils (`sha512sum f`, Elastic, Maven): `<hex>  f` or `<hex> *f`, or just `<hex>`;
 *  - BSD (`shasum --tag`): `SHA512 (f) = <hex>`.
 * Returns undefined when no digest of the expected length can be found.
 */
export function parseChecksumFile(text: string, algorithm: DigestAlgorithm): string | undefined {
  const length = HEX_LENGTH[algorithm];
  const trimmed = text.trim();
  const bsd = /=\s*([0-9a-fA-F\s]+)$/.exec(trimmed);
  if (/^[A-Z0-9-]+ \(.*\) =/.test(trimmed) && bsd?.[1]) {
    const digest = normaliseDigest(bsd[1]);
    return digest.length === length && isDigest(digest, algorithm) ? digest : undefined;
  }
  const coreutils = new RegExp(`^([0-9a-fA-F]{${length}})(?:\\s|$)`).exec(trimmed);
  if (coreutils?.[1]) return coreutils[1].toLowerCase();
  const colon = trimmed.indexOf(':');
  if (colon >= 0) {
    const digest = normaliseDigest(trimmed.slice(colon + 1));
    return isDigest(digest, algorithm) ? digest : undefined;
  }
  return undefined;
}

/** Hashes a stream of chunks with every algorithm the caller needs, in one pass. */
export class MultiHash {
  private readonly hashes: Map<DigestAlgorithm, Hash>;

  constructor(algorithms: Iterable<DigestAlgorithm>) {
    this.hashes = new Map([...new Set(algorithms)].map((algorithm) => [algorithm, createHash(algorithm)]));
  }

  update(chunk: Buffer): void {
    for (const hash of this.hashes.values()) hash.update(chunk);
  }

  digests(): Partial<Record<DigestAlgorithm, string>> {
    const result: Partial<Record<DigestAlgorithm, string>> = {};
    for (const [algorithm, hash] of this.hashes) result[algorithm] = hash.digest('hex');
    return result;
  }
}
