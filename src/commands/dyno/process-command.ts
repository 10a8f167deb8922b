import { resolve } from 'node:path';
import type { CommandDefinition } from '../../lib/command-spec.js';
import { createOutput, type Output } from '../../lib/output.js';
import { appDirOption } from './app-dir-option.js';

type ProcessRunner = (appDir: string, env: NodeJS.ProcessEnv, output: Output) => Promise<number>;

/** A dyno process (`web`, `train`, `release`, `load-data`): runs in the app dir and exits with the runner's code. */
export function processCommand(
  name: string,
  description: string,
  example: string,
  load: () => Promise<ProcessRunner>,
): CommandDefinition {
  return {
    name,
    description,
    options: [appDirOption],
    examples: [example],
    action: async (options: { appDir: string }) => {
      const run = await load();
      process.exitCode = await run(resolve(options.appDir), process.env, createOutput());
    },
  };
}
