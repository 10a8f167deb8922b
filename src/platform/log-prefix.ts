import { Chalk, type ChalkInstance } from 'chalk';
import type { LineSink } from './dyno.js';

const COLOURS = ['cyan', 'yellow', 'green', 'magenta', 'blue'] as const;

/**
 * Per-process output like `heroku local`: `web.1   | line`, names padded to one width, each process in
 * its own colour when the destination is a terminal.
 */
export function createPrefixer(
  destination: NodeJS.WritableStream & { isTTY?: boolean },
  names: string[],
): (name: string) => LineSink {
  const width = Math.max(...names.map((name) => name.length), 0);
  const chalk: ChalkInstance = new Chalk({ level: destination.isTTY ? 1 : 0 });
  return (name) => {
    const index = Math.max(names.indexOf(name), 0);
    const colour = chalk[COLOURS[index % COLOURS.length] ?? 'cyan'];
    const prefix = colour(`${name.padEnd(width)} | `);
    return (line) => {
      destination.write(`${prefix}${line}\n`);
    };
  };
}
