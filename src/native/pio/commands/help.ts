import type { Command } from 'commander';
import type { CommandDefinition } from '../../../lib/command-spec.js';
import { PioExit } from '../../console/index.js';

export const help: CommandDefinition = {
  name: 'help',
  description: 'show help for a command (exits 1, as upstream)',
  arguments: [{ name: '[command...]' }],
  examples: ['pio help app new'],
  action: (words: string[], _options: unknown, command: Command) => {
    const program = command.parent ?? command;
    const target = findCommand(program, words);
    if (words.length > 0 && !target) {
      process.stderr.write(`Help is unavailable for ${words.join(' ')}.\n`);
    } else {
      (target ?? program).outputHelp({ error: true });
    }
    throw new PioExit(1);
  },
};

function findCommand(program: Command, words: readonly string[]): Command | undefined {
  let current: Command | undefined = program;
  for (const word of words) {
    current = current?.commands.find((command) => command.name() === word || command.aliases().includes(word));
    if (!current) return undefined;
  }
  return current === program ? undefined : current;
}
