import { parse } from 'dotenv';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../lib/errors.js';

export type ConfigVars = Record<string, string>;

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads a `.env` file the way `heroku local` users expect (quotes, `#` comments, `export ` prefixes,
 * `\n` escapes in double quotes) without evaluating anything. A missing file means no config vars.
 */
export async function readConfigVars(file: string): Promise<ConfigVars> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UserError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  return parseConfigVars(text, file);
}

export function parseConfigVars(text: string, source: string): ConfigVars {
  const vars = parse(text);
  for (const name of Object.keys(vars)) {
    if (!VARIABLE_NAME.test(name)) {
      throw new UserError(`${source}: "${name}" is not a valid environment variable name`, {
        hint: 'Use letters, digits and underscores, not starting with a digit (e.g. MY_SETTING=value).',
      });
    }
  }
  return vars;
}

/** Parses `NAME=value` arguments (as given to `config:set`), naming the bad one on error. */
export function parseAssignments(assignments: string[]): ConfigVars {
  const vars: ConfigVars = {};
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    const name = equals > 0 ? assignment.slice(0, equals) : '';
    if (!VARIABLE_NAME.test(name)) {
      throw new UserError(`"${assignment}" is not a NAME=value assignment`, {
        hint: 'Example: pio-deploy remote config:set myapp PIO_EVENTSERVER_APP_NAME=myapp',
      });
    }
    vars[name] = assignment.slice(equals + 1);
  }
  return vars;
}

/** Serialises config vars back to `.env` syntax that `parseConfigVars` reads unchanged. */
export function formatConfigVars(vars: ConfigVars): string {
  return Object.entries(vars)
    .map(([name, value]) => {
      if (/^[A-Za-z0-9_./:@%+,-]*$/.test(value)) return `${name}=${value}\n`;
      if (!value.includes("'") && !value.includes('\n')) return `${name}='${value}'\n`;
      if (!value.includes('"') && !value.includes('\\') && !value.includes('\r')) {
        return `${name}="${value.replace(/\n/g, '\\n')}"\n`;
      }
      throw new UserError(`The value of ${name} cannot be stored in a .env file (it mixes quotes and newlines)`);
    })
    .join('');
}

/** Writes the classic ENV_DIR: one file per config var, named after it, holding the raw value. */
export async function writeEnvDir(dir: string, vars: ConfigVars): Promise<void> {
  await mkdir(dir, { recursive: true });
  await Promise.all(Object.entries(vars).map(([name, value]) => writeFile(join(dir, name), value, { mode: 0o600 })));
}
