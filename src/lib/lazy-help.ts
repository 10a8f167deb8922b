import type { Command } from 'commander';

type HelpLoader = () => Promise<string>;

const loaders = new WeakMap<Command, HelpLoader>();

/**
 * Help text that needs a module too heavy to load at registration (commander's help text is
 * synchronous, so it cannot import on demand). `runProgram` loads it before parsing, and only for the
 * command the arguments name, so `pio-deploy --help` and every other command stay cheap.
 */
export function addLazyHelpText(command: Command, load: HelpLoader): Command {
  loaders.set(command, load);
  return command;
}

/** Adds the lazy help text of every command on the path `argv` names (`config --help`, `help config`). */
export async function loadLazyHelpFor(program: Command, args: readonly string[]): Promise<void> {
  let command = program;
  for (const arg of args) {
    if (arg.startsWith('-')) continue;
    if (arg === 'help' && command === program) continue;
    const next = command.commands.find((sub) => sub.name() === arg || sub.aliases().includes(arg));
    if (!next) break;
    command = next;
    const load = loaders.get(command);
    if (load) {
      loaders.delete(command);
      command.addHelpText('after', await load());
    }
  }
}
