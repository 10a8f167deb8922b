import { InvalidArgumentError, type Command } from 'commander';
import type { AccessKey, App, Channel, Storage } from '../storage/index.js';
import { abort, PioExit, pioLogger } from './console.js';
import { withStorage } from './with-storage.js';
import { confirmDestructive } from './prompt.js';

/**
 * `pio app new|list|show|delete|data-delete|channel-new|channel-delete` with upstream's console lines
 * (spec §5.4). Confirmation blocks and listings log as `Pio$`, actions as `App$`.
 */

const pio = pioLogger('Pio$');
const appLog = pioLogger('App$');

/** Upstream `Channel.isValidName`. */
const CHANNEL_NAME = /^[a-zA-Z0-9-]{1,16}$/;
const MAX_ACCESS_KEY_LENGTH = 64;

export function parseAppId(value: string): number {
  if (!/^\+?\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) > 2147483647) {
    throw new InvalidArgumentError('App ID must be a positive integer (e.g. --id 7).');
  }
  return Number(value);
}

/** The whitelist as `app list`/`show` print it: sorted and comma-joined, or `(all)`. */
export function formatAllowedEvents(events: readonly string[]): string {
  return events.length === 0 ? '(all)' : [...events].sort().join(',');
}

export function registerAppCommands(program: Command): void {
  const app = program
    .command('app')
    .description('manage apps (event stores with access keys and channels)')
    .addHelpText('after', '\nExample:\n  $ pio app new MyApp1\n  $ pio app list\n  $ pio app show MyApp1');

  app
    .command('new')
    .description('create an app, its event store and an access key')
    .argument('<name>', 'app name')
    .option('--id <id>', 'use this app ID instead of the next free one', parseAppId)
    .option('--description <text>', 'app description')
    .option('--access-key <key>', 'use this access key instead of a generated one (at most 64 characters)')
    .addHelpText('after', '\nExample:\n  $ pio app new --id 7 --description "Movie ratings" MyApp1')
    .action((name: string, options: { id?: number; description?: string; accessKey?: string }) =>
      withStorage((storage) => appNew(storage, name, options)),
    );

  app
    .command('list')
    .description('list apps with their access keys')
    .addHelpText('after', '\nExample:\n  $ pio app list')
    .action(() => withStorage(appList));

  app
    .command('show')
    .description("show an app's ID, description, access keys and channels")
    .argument('<name>', 'app name')
    .addHelpText('after', '\nExample:\n  $ pio app show MyApp1')
    .action((name: string) => withStorage((storage) => appShow(storage, name)));

  app
    .command('delete')
    .description('delete an app with all its events, channels and access keys')
    .argument('<name>', 'app name')
    .option('-f, --force', 'do not ask for confirmation')
    .addHelpText('after', '\nExample:\n  $ pio app delete MyApp1 --force')
    .action((name: string, options: { force?: boolean }) =>
      withStorage((storage) => appDelete(storage, name, Boolean(options.force))),
    );

  app
    .command('data-delete')
    .description("delete an app's events (default channel, one channel, or all)")
    .argument('<name>', 'app name')
    .option('--channel <name>', 'delete the events of this channel only')
    .option('--all', 'delete the events of the default channel and of every channel')
    .option('-f, --force', 'do not ask for confirmation')
    .addHelpText('after', '\nExample:\n  $ pio app data-delete MyApp1 --all --force')
    .action((name: string, options: { channel?: string; all?: boolean; force?: boolean }) =>
      withStorage((storage) => appDataDelete(storage, name, options)),
    );

  app
    .command('channel-new')
    .description('create a channel (a separate event store) in an app')
    .argument('<name>', 'app name')
    .argument('<channel>', 'channel name: letters, digits and -, at most 16 characters')
    .addHelpText('after', '\nExample:\n  $ pio app channel-new MyApp1 mobile')
    .action((name: string, channel: string) => withStorage((storage) => channelNew(storage, name, channel)));

  app
    .command('channel-delete')
    .description('delete a channel and its events')
    .argument('<name>', 'app name')
    .argument('<channel>', 'channel name')
    .option('-f, --force', 'do not ask for confirmation')
    .addHelpText('after', '\nExample:\n  $ pio app channel-delete MyApp1 mobile --force')
    .action((name: string, channel: string, options: { force?: boolean }) =>
      withStorage((storage) => channelDelete(storage, name, channel, Boolean(options.force))),
    );
}

async function requireApp(storage: Storage, name: string): Promise<App> {
  const app = await storage.apps.getByName(name);
  if (!app) abort('App$', `App ${name} does not exist. Aborting.`);
  return app;
}

async function appNew(
  storage: Storage,
  name: string,
  options: { id?: number; description?: string; accessKey?: string },
): Promise<void> {
  if (await storage.apps.getByName(name)) abort('App$', `App ${name} already exists. Aborting.`);
  const requestedId = options.id !== undefined && options.id !== 0 ? options.id : undefined;
  if (requestedId !== undefined) {
    const taken = await storage.apps.get(requestedId);
    if (taken) abort('App$', `App ID ${requestedId} already exists and maps to the app '${taken.name}'. Aborting.`);
  }
  // Checked before anything is created, so a bad key leaves no half-made app behind.
  const customKey = options.accessKey === '' ? undefined : options.accessKey;
  if (customKey !== undefined) {
    if (customKey.length > MAX_ACCESS_KEY_LENGTH) {
      abort('App$', `The access key is longer than ${MAX_ACCESS_KEY_LENGTH} characters. Aborting.`);
    }
    if (await storage.accessKeys.get(customKey)) abort('App$', 'The access key is already in use. Aborting.');
  }
  const appId = await storage.apps.insert({ id: requestedId, name, description: options.description });
  try {
    await storage.events.init({ appId });
  } catch (error) {
    await storage.apps.delete(appId);
    abort('App$', `Unable to initialize Event Store for this app ID: ${appId}.`, errorText(error));
  }
  appLog.info(`Initialized Event Store for this app ID: ${appId}.`);
  const key = await storage.accessKeys.insert({ key: customKey, appId, events: [] });
  pio.info('Created a new app:');
  pio.info(`      Name: ${name}`);
  pio.info(`        ID: ${appId}`);
  pio.info(`Access Key: ${key}`);
}

async function appList(storage: Storage): Promise<void> {
  const [apps, keys] = await Promise.all([storage.apps.getAll(), storage.accessKeys.getAll()]);
  const keysByApp = groupKeys(keys);
  const sorted = [...apps].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  pio.info(`${'Name'.padStart(20)} |   ID | ${'Access Key'.padStart(64)} | Allowed Event(s)`);
  for (const app of sorted) {
    for (const key of keysByApp.get(app.id) ?? []) {
      pio.info(
        `${app.name.padStart(20)} | ${String(app.id).padStart(4)} | ${key.key.padStart(64)} | ${formatAllowedEvents(key.events)}`,
      );
    }
  }
  pio.info(`Finished listing ${apps.length} app(s).`);
}

function groupKeys(keys: readonly AccessKey[]): Map<number, AccessKey[]> {
  const byApp = new Map<number, AccessKey[]>();
  for (const key of keys) {
    const list = byApp.get(key.appId);
    if (list) list.push(key);
    else byApp.set(key.appId, [key]);
  }
  return byApp;
}

function logAppBlock(app: App): void {
  pio.info(`    App Name: ${app.name}`);
  pio.info(`      App ID: ${app.id}`);
  pio.info(` Description: ${app.description ?? ''}`);
}

function logChannels(channels: readonly Channel[]): void {
  if (channels.length === 0) return;
  pio.info(`    Channels: ${'Channel Name'.padStart(16)} | Channel ID `);
  for (const channel of channels) {
    pio.info(`              ${channel.name.padStart(16)} | ${String(channel.id).padStart(10)}`);
  }
}

async function appShow(storage: Storage, name: string): Promise<void> {
  const app = await requireApp(storage, name);
  const [keys, channels] = await Promise.all([storage.accessKeys.getByAppId(app.id), storage.channels.getByAppId(app.id)]);
  logAppBlock(app);
  keys.forEach((key, index) => {
    const label = index === 0 ? '  Access Key: ' : '              ';
    pio.info(`${label}${key.key} | ${formatAllowedEvents(key.events)}`);
  });
  logChannels(channels);
}

/** Drops an event table; a table that is already gone counts as removed, so a broken app can still be deleted. */
async function removeEventTable(storage: Storage, scope: { appId: number; channelId?: number }): Promise<void> {
  if (await storage.events.exists(scope)) await storage.events.remove(scope);
}

async function appDelete(storage: Storage, name: string, force: boolean): Promise<void> {
  const app = await requireApp(storage, name);
  const channels = await storage.channels.getByAppId(app.id);
  pio.info('The following app (including all channels) will be deleted. Are you sure?');
  logAppBlock(app);
  logChannels(channels);
  if (!(await confirmDestructive(force))) {
    pio.info('Aborted.');
    return;
  }
  for (const channel of channels) {
    await removeEventTable(storage, { appId: app.id, channelId: channel.id });
    appLog.info(`Removed Event Store of the channel ID: ${channel.id}`);
    await storage.channels.delete(channel.id);
    appLog.info(`Deleted channel ${channel.name}`);
  }
  await removeEventTable(storage, { appId: app.id });
  appLog.info(`Removed Event Store for this app ID: ${app.id}`);
  for (const key of await storage.accessKeys.getByAppId(app.id)) {
    await storage.accessKeys.delete(key.key);
    appLog.info(`Removed access key ${key.key}`);
  }
  await storage.apps.delete(app.id);
  appLog.info(`Deleted app ${app.name}.`);
  appLog.info('Done.');
}

async function appDataDelete(
  storage: Storage,
  name: string,
  options: { channel?: string; all?: boolean; force?: boolean },
): Promise<void> {
  const app = await requireApp(storage, name);
  const channels = await storage.channels.getByAppId(app.id);
  let targets: Array<Channel | undefined>;
  if (options.all) {
    pio.info('All data of the app (including default and all channels) will be deleted. Are you sure?');
    targets = [...channels, undefined];
  } else if (options.channel !== undefined) {
    const channel = channels.find((candidate) => candidate.name === options.channel);
    if (!channel) abort('Pio$', 'Unable to delete data for channel.', `Channel ${options.channel} doesn't exist.`);
    pio.info('Data of the following channel will be deleted. Are you sure?');
    pio.info(`Channel Name: ${channel.name}`);
    pio.info(`  Channel ID: ${channel.id}`);
    targets = [channel];
  } else {
    pio.info('Data of the following app (default channel only) will be deleted. Are you sure?');
    targets = [undefined];
  }
  pio.info(`    App Name: ${app.name}`);
  pio.info(`      App ID: ${app.id}`);
  // Upstream prints the Option's debug form here; kept so the block reads the same.
  pio.info(` Description: ${app.description === undefined ? 'None' : `Some(${app.description})`}`);
  if (!(await confirmDestructive(Boolean(options.force)))) {
    pio.info('Aborted.');
    return;
  }
  let failed = false;
  for (const channel of targets) {
    const scope = channel ? { appId: app.id, channelId: channel.id } : { appId: app.id };
    const what = channel ? `the channel ID: ${channel.id}` : `the app ID: ${app.id}`;
    try {
      await removeEventTable(storage, scope);
      appLog.info(`Removed Event Store for ${what}`);
      await storage.events.init(scope);
      appLog.info(`Initialized Event Store for ${what}`);
    } catch (error) {
      appLog.error(`Unable to delete data of ${what}: ${errorText(error)}`);
      failed = true;
    }
  }
  if (failed) throw new PioExit(1);
}

async function channelNew(storage: Storage, name: string, channelName: string): Promise<void> {
  const app = await requireApp(storage, name);
  if (!CHANNEL_NAME.test(channelName)) {
    abort(
      'App$',
      'Unable to create new channel.',
      `The channel name ${channelName} is invalid.`,
      'Only alphanumeric and - characters are allowed and max length is 16.',
    );
  }
  const channels = await storage.channels.getByAppId(app.id);
  if (channels.some((channel) => channel.name === channelName)) {
    abort('App$', `Channel ${channelName} already exists.`, 'Unable to create new channel.');
  }
  const channelId = await storage.channels.insert({ name: channelName, appId: app.id });
  appLog.info('Updated Channel meta-data.');
  try {
    await storage.events.init({ appId: app.id, channelId });
  } catch (error) {
    await storage.channels.delete(channelId);
    abort('App$', `Unable to initialize Event Store for the channel: ${channelName}.`, errorText(error));
  }
  appLog.info(`Initialized Event Store for the channel: ${channelName}.`);
  appLog.info('Created new channel:');
  appLog.info(`    Channel Name: ${channelName}`);
  appLog.info(`      Channel ID: ${channelId}`);
  appLog.info(`          App ID: ${app.id}`);
}

async function channelDelete(storage: Storage, name: string, channelName: string, force: boolean): Promise<void> {
  const app = await requireApp(storage, name);
  const channel = (await storage.channels.getByAppId(app.id)).find((candidate) => candidate.name === channelName);
  if (!channel) abort('Pio$', 'Unable to delete channel.', `Channel ${channelName} doesn't exist.`);
  pio.info('The following channel will be deleted. Are you sure?');
  pio.info(`    Channel Name: ${channel.name}`);
  pio.info(`      Channel ID: ${channel.id}`);
  pio.info(`        App Name: ${app.name}`);
  pio.info(`          App ID: ${app.id}`);
  if (!(await confirmDestructive(force))) {
    pio.info('Aborted.');
    return;
  }
  await removeEventTable(storage, { appId: app.id, channelId: channel.id });
  appLog.info(`Removed Event Store for this channel: ${channel.name}`);
  await storage.channels.delete(channel.id);
  appLog.info(`Deleted channel: ${channel.name}.`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
