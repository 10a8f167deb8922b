import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { COMMAND_AREAS } from '../../src/commands/index.js';
import type { CommandDefinition } from '../../src/lib/command-spec.js';
import { PIO_COMMANDS } from '../../src/native/pio/commands/index.js';
import { createTestDatabase } from '../helpers/postgres.js';
import pg from 'pg';

describe('pio-deploy launcher', () => {
  it('prints help with an example', async () => {
    const result = await execa('bin/pio-deploy', ['--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Usage: pio-deploy');
    expect(result.stdout).toContain('Example:');
  });

  it('has a real PostgreSQL to test against', async () => {
    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ one: number }>('select 1 as one');
    await client.end();
    await db.drop();
    expect(rows[0]?.one).toBe(1);
  });
});

interface Declared {
  path: string[];
  examples: readonly string[];
}

/** Every command of the definitions, topics and their subcommands alike, with its command path. */
function declared(definitions: readonly CommandDefinition[], parent: string[] = []): Declared[] {
  return definitions.flatMap((definition) => {
    const path = [...parent, definition.name];
    const own = { path, examples: definition.examples ?? [] };
    return 'commands' in definition ? [own, ...declared(definition.commands, path)] : [own];
  });
}

/** `<bin> <path> --help` for each command, two at a time (the help goes to stdout or stderr). */
async function helpOf(bin: string, commands: readonly Declared[]): Promise<Map<string, string>> {
  const help = new Map<string, string>();
  const queue = [...commands];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const result = await execa(bin, [...next.path, '--help'], { reject: false });
      expect(result.exitCode, `${bin} ${next.path.join(' ')} --help`).toBe(0);
      help.set(next.path.join(' '), result.stdout + result.stderr);
    }
  };
  await Promise.all([worker(), worker()]);
  return help;
}

/** The `Example:` block as the help shows it: each example's first line after `$ `. */
function expectExamples(help: string | undefined, examples: readonly string[], label: string): void {
  expect(help, label).toContain(`\nExample:\n  $ ${examples[0]?.split('\n')[0]}`);
  for (const example of examples) expect(help, label).toContain(`  $ ${example.split('\n')[0]}`);
}

describe('every command shows its examples in --help', () => {
  it('pio-deploy: every command of every area', async () => {
    const definitions = (await Promise.all(COMMAND_AREAS.map(({ load }) => load()))).flat();
    const commands = declared(definitions);
    expect(commands.length).toBeGreaterThan(30);
    const help = await helpOf('bin/pio-deploy', commands);
    for (const { path, examples } of commands) {
      expect(examples.length, path.join(' ')).toBeGreaterThan(0);
      expectExamples(help.get(path.join(' ')), examples, path.join(' '));
    }
  }, 120_000);

  it('pio: every command but the retired ones', async () => {
    const commands = declared(PIO_COMMANDS);
    expect(commands.filter(({ examples }) => examples.length === 0).map(({ path }) => path.join(' '))).toEqual([
      'template',
      'upgrade',
    ]);
    const documented = commands.filter(({ examples }) => examples.length > 0);
    expect(documented.length).toBeGreaterThan(20);
    const help = await helpOf('bin/pio', documented);
    for (const { path, examples } of documented) expectExamples(help.get(path.join(' ')), examples, path.join(' '));
  }, 120_000);
});
