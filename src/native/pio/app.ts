import type { AccessKey, App, Channel, Storage } from '../storage/index.js';
import { abort, PioExit, pioLogger } from '../console/index.js';
import { confirmDestructive } from './prompt.js';

/**
 * What `pio app new|list|show|delete|data-delete|channel-new|channel-delete` do, with upstream's console
 * lines (BEHAVIOUR.md#pio-app). Confirmation blocks and listings log as `Pio$`, actions as `App$`.
 */

const pio = pioLogger('Pio$');
const appLog = pioLogger('App$');

/** Upstream `Channel.isValidName`. */
const CHANNEL_NAME = /^[a-zA-Z0-9-]{1,16}$/;
const MAX_ACCESS_KEY_LENGTH = 64;

/** The whitelist as `app list`/`show` print it: sorted and comma-joined, or `(all)`. */
export function formatAllowedEvents(events: readonly string[]): string {
  return events.length === 0 ? '(all)' : [...events].sort().join(',');
}

async function requireApp(storage: Storage, name: string): Promise<App> {
  const app = await storage.apps.getByName(name);
  if (!app) abort('App$', `App ${name} does not exist. Aborting.`);
  return app;
}

export async function appNew(
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

export async function appList(storage: Storage): Promise<void> {
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

export async function appShow(storage: Storage, name: string): Promise<void> {
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

export async function appDelete(storage: Storage, name: string, force: boolean): Promise<void> {
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

export async function appDataDelete(
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

export async function channelNew(storage: Storage, name: string, channelName: string): Promise<void> {
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

export async function channelDelete(storage: Storage, name: string, channelName: string, force: boolean): Promise<void> {
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
