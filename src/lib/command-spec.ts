import { Option, type Command } from 'commander';
import { addLazyHelpText } from './lazy-help.js';

/**
 * A CLI command as data (the Heroku CLI's one-class-per-command, for commander): what it is called,
 * its arguments, options, help and examples, and an action that imports its implementation when it
 * runs. Both CLIs (`pio-deploy` and the native `pio`) declare every command this way, one file each,
 * and `addCommand` is the one place that turns a definition into a commander command, so declaring a
 * whole program loads commander and the definition files only.
 *
 *   export const buildpackRelease: CommandDefinition = {
 *     name: 'release',
 *     description: 'Print the buildpack release YAML (default process types)',
 *     arguments: [{ name: '[build-dir]', description: 'the app checkout (unused)' }],
 *     examples: ['pio-deploy buildpack release /tmp/build'],
 *     action: async () => process.stdout.write((await import('../../buildpack/procfile.js')).releaseYaml('engine')),
 *   };
 */

export interface OptionSpec {
  /** As commander writes them: `-p, --port <port>`, `--no-git`, `--tail`. */
  flags: string;
  description: string;
  /** The value when the option is not given (shown in the help unless `defaultDescription` replaces it). */
  default?: unknown;
  defaultDescription?: string;
  /** Converts the value; throw commander's InvalidArgumentError for a usage error. */
  parse?: (value: string) => unknown;
  choices?: readonly string[];
  required?: boolean;
}

export interface ArgumentSpec {
  /** `<name>`, `[dir]`, `<NAME=value...>`. */
  name: string;
  description?: string;
}

/**
 * Examples are shown under `Example:`. Each is a command line (shown after `$ `); further lines of the
 * same string are its output. A visible command must have at least one.
 */
type Examples =
  | { hidden?: false; examples: readonly [string, ...string[]] }
  | { hidden: true; examples?: readonly [string, ...string[]] };

type Help = Examples & {
  name: string;
  description?: string;
  /** Help paragraphs shown before the examples. */
  notes?: string;
  /** Notes that need a module too heavy to load at registration: loaded when this command's help is shown. */
  lazyNotes?: () => Promise<string>;
  /** A paragraph shown after the examples. */
  footer?: string;
};

/** Commander calls the action with the arguments, then the options, then the command itself. */
export type CommandAction = (...args: never[]) => unknown;

export type CommandSpec = Help & {
  arguments?: readonly ArgumentSpec[];
  options?: readonly OptionSpec[];
  /** Passes unknown options through to the arguments instead of failing (retired commands). */
  allowUnknownOption?: boolean;
  action: CommandAction;
};

/**
 * A command that only groups others (`remote`, `app`): `pio-deploy remote add …`. With `defaultCommand`,
 * the topic alone runs that one (`pio-deploy models` lists, as `models list` does).
 */
export type TopicSpec = Help & { commands: readonly CommandDefinition[]; defaultCommand?: string };

export type CommandDefinition = CommandSpec | TopicSpec;

/** The help text commander shows after the options: notes, `Example:` block, footer. */
export function helpText(examples: readonly string[], notes?: string, footer?: string): string {
  const lines = examples.map((example) =>
    example
      .split('\n')
      .map((line, index) => (index === 0 ? `  $ ${line}` : `  ${line}`))
      .join('\n'),
  );
  const block = lines.length === 0 ? '' : `\nExample:\n${lines.join('\n')}`;
  return `${notes === undefined ? '' : `\n${notes}\n`}${block}${footer === undefined ? '' : `\n\n${footer}`}`;
}

/** Declares `definition` (and a topic's commands) on `parent`; returns the new command. */
export function addCommand(parent: Command, definition: CommandDefinition, isDefault = false): Command {
  const command = parent.command(definition.name, { hidden: definition.hidden === true, isDefault });
  if (definition.description !== undefined) command.description(definition.description);
  if ('commands' in definition) {
    addHelp(command, definition);
    for (const sub of definition.commands) addCommand(command, sub, sub.name === definition.defaultCommand);
    return command;
  }
  for (const argument of definition.arguments ?? []) command.argument(argument.name, argument.description);
  for (const option of definition.options ?? []) command.addOption(toOption(option));
  if (definition.allowUnknownOption) command.allowUnknownOption();
  addHelp(command, definition);
  command.action(definition.action as (...args: unknown[]) => Promise<void>);
  return command;
}

function toOption(spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.default !== undefined) option.default(spec.default, spec.defaultDescription);
  if (spec.parse) option.argParser(spec.parse);
  if (spec.choices) option.choices(spec.choices);
  if (spec.required) option.makeOptionMandatory();
  return option;
}

function addHelp(command: Command, help: Help): void {
  const examples = help.examples ?? [];
  if (help.lazyNotes) {
    const load = help.lazyNotes;
    addLazyHelpText(command, async () => helpText(examples, await load(), help.footer));
  } else if (examples.length > 0 || help.notes !== undefined) {
    command.addHelpText('after', helpText(examples, help.notes, help.footer));
  }
}
