import { textProblem } from '../events/index.js';
import type { AccessKey, Channel, Storage } from '../storage/index.js';
import { MESSAGES } from './messages.js';
import type { QueryParams } from './query.js';

/** Who a request acts for: the key's app, the selected channel (undefined = default) and its allow-list. */
export interface AuthData {
  appId: number;
  channelId: number | undefined;
  /** Allowed event names; empty = all. */
  allowedEvents: readonly string[];
}

/** A failure is 401 (no such key or channel) or 400 (a key that no key can be, such as one holding NUL). */
export type AuthResult = { ok: true; auth: AuthData } | { ok: false; status: 400 | 401; message: string };

const refused = (message: string): AuthResult => ({ ok: false, status: 401, message });

interface Cached<T> {
  value: T;
  expires: number;
}

/**
 * Resolves the access key and channel of a request the way upstream's `withAccessKey` does (BEHAVIOUR.md#authentication-and-channels).
 * Keys and channel lists are cached for `cacheMillis` (and concurrent look-ups of one key share one query)
 * so the hot insert path does not spend a database round trip per request on them; unknown keys are never
 * cached, so a new key works at once and a revoked key stops working within `cacheMillis`. A cached key
 * whose app was deleted and created again (same key, new app) is found out at once: an unknown channel
 * looks the key up again here, and a missing event table makes the routes call `revalidate`.
 */
export class AccessKeyResolver {
  private readonly keys = new Map<string, Cached<AccessKey | undefined> | Promise<AccessKey | undefined>>();
  private readonly channels = new Map<number, Cached<Channel[]> | Promise<Channel[]>>();

  constructor(
    private readonly storage: Pick<Storage, 'accessKeys' | 'channels'>,
    private readonly cacheMillis: number,
  ) {}

  async resolve(query: QueryParams, authorization: string | undefined): Promise<AuthResult> {
    const keyParam = query.accessKey;
    if (keyParam !== undefined) {
      const unusable = unusableKey('The accessKey parameter', keyParam);
      if (unusable !== undefined) return unusable;
      let accessKey = await this.accessKey(keyParam);
      if (accessKey === undefined) return refused(MESSAGES.invalidAccessKey);
      const channelName = query.channel;
      if (channelName === undefined) return { ok: true, auth: authData(accessKey, undefined) };
      const named = (channels: Channel[]) => channels.find((candidate) => candidate.name === channelName);
      // A cached list may predate a channel created just now: look again before rejecting.
      let channel = named(await this.channelsOf(accessKey.appId)) ?? named(await this.reloadChannels(accessKey.appId));
      if (channel === undefined) {
        // So may the cached key (its app deleted and created again under the same key).
        this.keys.delete(keyParam);
        accessKey = await this.accessKey(keyParam);
        if (accessKey === undefined) return refused(MESSAGES.invalidAccessKey);
        channel = named(await this.reloadChannels(accessKey.appId));
      }
      if (channel === undefined) return refused(MESSAGES.invalidChannel(channelName));
      return { ok: true, auth: authData(accessKey, channel.id) };
    }
    if (authorization !== undefined) {
      // Upstream ignores `channel` with header authentication: the default channel is always used.
      const key = basicAuthKey(authorization);
      const unusable = key === undefined ? undefined : unusableKey('The access key of the Authorization header', key);
      if (unusable !== undefined) return unusable;
      const accessKey = key === undefined ? undefined : await this.accessKey(key);
      if (accessKey === undefined) return refused(MESSAGES.invalidAccessKey);
      return { ok: true, auth: authData(accessKey, undefined) };
    }
    return refused(MESSAGES.missingAccessKey);
  }

  /** `resolve` without the cache for this request's key and its app's channels (after a stale answer). */
  async revalidate(query: QueryParams, authorization: string | undefined): Promise<AuthResult> {
    const key = query.accessKey ?? (authorization === undefined ? undefined : basicAuthKey(authorization));
    const cached = key === undefined ? undefined : this.keys.get(key);
    if (key !== undefined && !(cached instanceof Promise)) this.keys.delete(key);
    if (cached !== undefined && !(cached instanceof Promise) && cached.value !== undefined) this.channels.delete(cached.value.appId);
    return this.resolve(query, authorization);
  }

  /**
   * The answer `resolve` would give, when it needs no database look-up (a cached key without a channel, the
   * common case for every event a client sends); undefined otherwise. Saves the hot path its promises.
   */
  resolveNow(query: QueryParams, _authorization: string | undefined): AuthResult | undefined {
    const keyParam = query.accessKey;
    if (keyParam === undefined || keyParam === '' || query.channel !== undefined) return undefined;
    const entry = this.keys.get(keyParam);
    if (entry === undefined || entry instanceof Promise || entry.expires <= Date.now() || entry.value === undefined) return undefined;
    return { ok: true, auth: authData(entry.value, undefined) };
  }

  private async accessKey(key: string): Promise<AccessKey | undefined> {
    if (key === '') return undefined;
    return this.cached(this.keys, key, () => this.storage.accessKeys.get(key), (found) => found !== undefined);
  }

  private async channelsOf(appId: number): Promise<Channel[]> {
    return this.cached(this.channels, appId, () => this.storage.channels.getByAppId(appId), () => true);
  }

  private async reloadChannels(appId: number): Promise<Channel[]> {
    if (!(this.channels.get(appId) instanceof Promise)) this.channels.delete(appId);
    return this.channelsOf(appId);
  }

  private async cached<K, T>(
    cache: Map<K, Cached<T> | Promise<T>>,
    key: K,
    load: () => Promise<T>,
    keep: (value: T) => boolean,
  ): Promise<T> {
    const entry = cache.get(key);
    if (entry instanceof Promise) return entry;
    if (entry !== undefined && entry.expires > Date.now()) return entry.value;
    if (this.cacheMillis <= 0) return load();
    const pending = load().then(
      (value) => {
        if (keep(value)) cache.set(key, { value, expires: Date.now() + this.cacheMillis });
        else cache.delete(key);
        return value;
      },
      (error: unknown) => {
        cache.delete(key);
        throw error;
      },
    );
    cache.set(key, pending);
    return pending;
  }
}

/** A key no stored key can equal (PostgreSQL text holds no NUL): 400 naming it, without a look-up. */
function unusableKey(what: string, key: string): AuthResult | undefined {
  const problem = textProblem(what, key);
  return problem === undefined ? undefined : { ok: false, status: 400, message: `${problem}.` };
}

function authData(accessKey: AccessKey, channelId: number | undefined): AuthData {
  return { appId: accessKey.appId, channelId, allowedEvents: accessKey.events };
}

/**
 * The access key of an `Authorization: Basic <base64>` header: the user name of HTTP Basic with an empty
 * password (as Segment.io sends it). Undefined when the header is not of that form.
 */
export function basicAuthKey(header: string): string | undefined {
  const parts = header.split('Basic ');
  if (parts.length !== 2 || parts[1] === undefined) return undefined;
  const decoded = Buffer.from(parts[1], 'base64').toString('utf8').trim();
  const key = decoded.split(':')[0];
  return key === undefined || key === '' ? undefined : key;
}
