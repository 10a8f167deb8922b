import type { Command } from 'commander';
import type { Storage } from '../storage/index.js';
import { formatAllowedEvents } from './app.js';
import { abort, pioLogger } from './console.js';
import { withStorage } from './with-storage.js';

/** `pio accesskey new|list|delete` (spec §5.5). */

const pio = pioLogger('Pio$');
const accessKeyLog = pioLogger('AccessKey$');

export function registerAccessKeyCommands(program: Command): void {
  const accesskey = program
    .command('accesskey')
    .description("manage an app's access keys (optionally limited to some event names)")
    .addHelpText('after', '\nExample:\n  $ pio accesskey new MyApp1 rate buy\n  $ pio accesskey list MyApp1');

  accesskey
    .command('new')
    .description('create an access key for an app; listing events limits the key to them')
    .argument('<app name>', 'app name')
    .argument('[events...]', 'allowed event names (default: all events)')
    .option('--key <key>', 'use this key instead of a generated one (at most 64 characters)')
    .addHelpText('after', '\nExample:\n  $ pio accesskey new MyApp1\n  $ pio accesskey new --key my-own-key MyApp1 rate buy')
    .action((appName: string, events: string[], options: { key?: string }) =>
      withStorage((storage) => accessKeyNew(storage, appName, events, options.key)),
    );

  accesskey
    .command('list')
    .description("list access keys (all apps', or one app's)")
    .argument('[app name]', 'only this app')
    .addHelpText('after', '\nExample:\n  $ pio accesskey list\n  $ pio accesskey list MyApp1')
    .action((appName: string | undefined) => withStorage((storage) => accessKeyList(storage, appName)));

  accesskey
    .command('delete')
    .description('delete an access key (succeeds also when it does not exist, as upstream)')
    .argument('<key>', 'the access key')
    .addHelpText('after', '\nExample:\n  $ pio accesskey delete <key>')
    .action((key: string) =>
      withStorage(async (storage) => {
        await storage.accessKeys.delete(key);
        accessKeyLog.info(`Deleted access key ${key}.`);
      }),
    );
}

async function accessKeyNew(storage: Storage, appName: string, events: string[], key: string | undefined): Promise<void> {
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

async function accessKeyList(storage: Storage, appName: string | undefined): Promise<void> {
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
