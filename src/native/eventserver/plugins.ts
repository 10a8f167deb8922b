import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../../lib/errors.js';
import type { EventInput } from '../storage/index.js';

/**
 * Event Server plugins (BEHAVIOUR.md#event-server-plugins), registered as modules instead of JARs. An input blocker runs before
 * an event is stored and rejects it by throwing (the request then fails with 500); an input sniffer sees
 * each stored event afterwards, asynchronously. Both may answer `GET /plugins/<type>/<name>/<args…>`.
 */
export interface EventInfo {
  appId: number;
  channelId: number | undefined;
  event: EventInput;
}

interface PluginBase {
  /** Registry key and `name` in `/plugins.json`. */
  readonly name: string;
  readonly description: string;
  /** Reported as `class` in `/plugins.json`; defaults to the name. */
  readonly className?: string;
  /** Answers `GET /plugins/<type>/<name>/<args…>` with JSON text. */
  handleRest?(appId: number, channelId: number | undefined, args: readonly string[]): string | Promise<string>;
}

export interface InputBlocker extends PluginBase {
  process(info: EventInfo): void | Promise<void>;
}

export interface InputSniffer extends PluginBase {
  process(info: EventInfo): void | Promise<void>;
}

export interface EventServerPlugins {
  inputBlockers?: readonly InputBlocker[];
  inputSniffers?: readonly InputSniffer[];
}

export const PLUGIN_TYPES = { inputBlocker: 'inputblocker', inputSniffer: 'inputsniffer' } as const;

export class PluginRegistry {
  readonly blockers: ReadonlyMap<string, InputBlocker>;
  readonly sniffers: ReadonlyMap<string, InputSniffer>;

  constructor(plugins: EventServerPlugins = {}) {
    this.blockers = new Map((plugins.inputBlockers ?? []).map((plugin) => [plugin.name, plugin]));
    this.sniffers = new Map((plugins.inputSniffers ?? []).map((plugin) => [plugin.name, plugin]));
  }

  get hasBlockers(): boolean {
    return this.blockers.size > 0;
  }

  get hasSniffers(): boolean {
    return this.sniffers.size > 0;
  }

  async block(info: EventInfo): Promise<void> {
    for (const blocker of this.blockers.values()) await blocker.process(info);
  }

  /** Hands stored events to the sniffers after the response; a failing sniffer is only logged. */
  sniff(infos: readonly EventInfo[], onError: (error: unknown, plugin: string) => void): void {
    if (!this.hasSniffers) return;
    setImmediate(() => {
      for (const info of infos) {
        for (const sniffer of this.sniffers.values()) {
          Promise.resolve()
            .then(() => sniffer.process(info))
            .catch((error: unknown) => onError(error, sniffer.name));
        }
      }
    });
  }

  /** The `/plugins.json` body. */
  describe(): Record<string, unknown> {
    const list = (plugins: ReadonlyMap<string, PluginBase>) =>
      Object.fromEntries(
        [...plugins].map(([name, plugin]) => [
          name,
          { name: plugin.name, description: plugin.description, class: plugin.className ?? plugin.name },
        ]),
      );
    return { plugins: { inputblockers: list(this.blockers), inputsniffers: list(this.sniffers) } };
  }

  /** The plugin a `/plugins/<type>/<name>` path names; throws (→ 500) when there is none, as upstream. */
  restHandler(type: string, name: string): PluginBase {
    const registry = type === PLUGIN_TYPES.inputBlocker ? this.blockers : type === PLUGIN_TYPES.inputSniffer ? this.sniffers : undefined;
    if (registry === undefined) throw new Error(`Unknown plugin type ${type}`);
    const plugin = registry.get(name);
    if (plugin === undefined) throw new Error(`key not found: ${name}`);
    return plugin;
  }
}

/**
 * Plugins named by `PIO_EVENTSERVER_PLUGINS`: a comma-separated list of module paths (or package names),
 * each exporting `inputBlockers` and/or `inputSniffers` arrays (named or on the default export). This is
 * the module counterpart of upstream's JARs in `$PIO_HOME/plugins`.
 */
export async function loadPlugins(list: string | undefined, baseDir: string = process.cwd()): Promise<EventServerPlugins> {
  const specifiers = (list ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const inputBlockers: InputBlocker[] = [];
  const inputSniffers: InputSniffer[] = [];
  for (const specifier of specifiers) {
    const target = /^[./]/.test(specifier) ? pathToFileURL(resolve(baseDir, specifier)).href : specifier;
    let loaded: Record<string, unknown>;
    try {
      loaded = (await import(target)) as Record<string, unknown>;
    } catch (error) {
      throw new UserError(`Cannot load Event Server plugin module ${specifier} (PIO_EVENTSERVER_PLUGINS): ${(error as Error).message}`, {
        hint: 'Give paths relative to the app directory or installed package names, separated by commas.',
      });
    }
    const exports = (typeof loaded.default === 'object' && loaded.default !== null ? loaded.default : loaded) as EventServerPlugins;
    const blockers = exports.inputBlockers ?? [];
    const sniffers = exports.inputSniffers ?? [];
    if (!Array.isArray(blockers) || !Array.isArray(sniffers) || blockers.length + sniffers.length === 0) {
      throw new UserError(`Event Server plugin module ${specifier} exports no inputBlockers or inputSniffers array.`);
    }
    inputBlockers.push(...(blockers as readonly InputBlocker[]));
    inputSniffers.push(...(sniffers as readonly InputSniffer[]));
  }
  return { inputBlockers, inputSniffers };
}
