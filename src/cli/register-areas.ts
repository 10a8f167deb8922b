import type { Command } from 'commander';
import { addCommand, type CommandDefinition } from '../lib/command-spec.js';
import { ERROR_PREFIX } from '../lib/output.js';

/** A group of commands whose definitions load together (src/commands/index.ts lists them). */
export interface CommandArea {
  area: string;
  load: () => Promise<readonly CommandDefinition[]>;
}

/**
 * Declares the areas' commands in the order given. An area whose definitions fail to load (e.g. a
 * build in progress) costs only its own commands: the others still work, and the failure is reported.
 */
export async function registerAreas(
  program: Command,
  areas: readonly CommandArea[],
  stderr: Pick<NodeJS.WritableStream, 'write'>,
): Promise<void> {
  const loaded = await Promise.allSettled(areas.map(({ load }) => load()));
  loaded.forEach((result, index) => {
    if (result.status === 'fulfilled') {
      for (const definition of result.value) addCommand(program, definition);
      return;
    }
    const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
    stderr.write(`${ERROR_PREFIX}The ${areas[index]?.area} commands are unavailable: ${reason.split('\n')[0]}\n`);
  });
}
