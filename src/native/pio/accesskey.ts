import type { Storage } from '../storage/index.js';
import { formatAllowedEvents } from './app.js';
import { abort, pioLogger } from '../console/index.js';

/** What `pio accesskey new|list|delete` do (BEHAVIOUR.md#pio-accesskey). */

const pio = pioLogger('Pio$');
const accessKeyLog = pioLogger('AccessKey$');

export async function accessKeyDelete(storage: Storage, key: string): Promise<void> {
  await storage.accessKeys.delete(key);
  accessKeyLog.info(`Deleted access key ${key}.`);
}

export async function accessKeyNew(storage: Storage, appName: string, events: string[], key: string | undefined): Promise<void> {
  const app = await storage.apps.getByName(appName);
  if (!app) abort('AccessKey$', `App ${appName} does not exist. Aborting.`);
  const customKey = key === '' ? undefined : key;
  if (customKey !== undefined) {
    if (customKey.length > 64) abort('AccessKey$', 'The access key is longer than 64 characters. Aborting.');
    if (await storage.accessKeys.get(customKey)) abort('AccessKey$', 'The access key is already in use. Aborting.');
  }
  const created = await storage.accessKeys.insert({ key: customKey, appId: app.id, events });
  accessKeyLog.info(`Created new access key: ${created}`);
}

export async function accessKeyList(storage: Storage, appName: string | undefined): Promise<void> {
  let keys;
  if (appName === undefined) {
    keys = await storage.accessKeys.getAll();
  } else {
    const app = await storage.apps.getByName(appName);
    if (!app) abort('AccessKey$', `App ${appName} does not exist. Aborting.`);
    keys = await storage.accessKeys.getByAppId(app.id);
  }
  // Array.prototype.sort is stable: keys of one app keep their storage order.
  const sorted = [...keys].sort((a, b) => a.appId - b.appId);
  pio.info(`${'Access Key(s)'.padStart(64)} | App ID | Allowed Event(s)`);
  for (const key of sorted) {
    pio.info(`${key.key.padStart(64)} | ${String(key.appId).padStart(6)} | ${formatAllowedEvents(key.events)}`);
  }
  pio.info(`Finished listing ${keys.length} access key(s).`);
}
