import type { Command } from 'commander';
import { ERROR_PREFIX } from '../lib/output.js';

type Register = (program: Command) => void;

/**
 * Every pio-deploy subcommand area, one line each, so the whole command surface is visible in one place.
 * A register function only declares commands, options and help (with an example) and imports its
 * implementation inside the action: starting the CLI stays cheap and loads no area's internals.
 */
export interface CommandArea {
  area: string;
  load: () => Promise<Register>;
}

const AREAS: CommandArea[] = [
  { area: 'local platform', load: async () => (await import('../platform/commands.js')).registerPlatformCommands },
  { area: 'buildpack', load: async () => (await import('../buildpack/compile-command.js')).registerBuildpackCommands },
  { area: 'runtime', load: async () => (await import('../dyno/commands.js')).registerRuntimeCommands },
  { area: 'dist', load: async () => (await import('../distributions/pack-command.js')).registerDistCommands },
  { area: 'lifecycle', load: async () => (await import('../lifecycle/commands.js')).registerLifecycleCommands },
];

export async function registerCommands(program: Command): Promise<void> {
  await registerAreas(program, AREAS, process.stderr);
}

/**
 * Registers the areas' commands in the order given. An area whose module fails to load (e.g. a build
 * in progress) costs only its own commands: the others still work, and the failure is reported.
 */
export async function registerAreas(
  program: Command,
  areas: readonly CommandArea[],
  stderr: Pick<NodeJS.WritableStream, 'write'>,
): Promise<void> {
  const loaded = await Promise.allSettled(areas.map(({ load }) => load()));
  loaded.forEach((result, index) => {
    if (result.status === 'fulfilled') {
      result.value(program);
      return;
    }
    const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
    stderr.write(`${ERROR_PREFIX}The ${areas[index]?.area} commands are unavailable: ${reason.split('\n')[0]}\n`);
  });
}
