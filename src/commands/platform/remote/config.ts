import type { CommandDefinition } from '../../../lib/command-spec.js';
import { createOutput } from '../../../lib/output.js';
import { appDirOf } from './app-dir.js';

export const remoteConfig: CommandDefinition = {
  name: 'config',
  description: 'Show the config vars of the app behind git remote <name>',
  arguments: [{ name: '<name>' }],
  options: [{ flags: '-s, --shell', description: 'print them in .env format (values included)', default: false }],
  examples: ['pio-deploy remote config staging'],
  action: async (name: string, options: { shell: boolean }) => {
    const [{ formatConfigVars, readConfigVars }, { appLayout }] = await Promise.all([
      import('../../../platform/config-vars.js'),
      import('../../../platform/app-state.js'),
    ]);
    const vars = await readConfigVars(appLayout(await appDirOf(name)).config);
    if (options.shell) {
      process.stdout.write(formatConfigVars(vars));
      return;
    }
    const width = Math.max(0, ...Object.keys(vars).map((key) => key.length));
    const out = createOutput();
    out.topic(`${name} config vars`);
    for (const [key, value] of Object.entries(vars)) out.detail(`${`${key}:`.padEnd(width + 1)} ${value}`);
  },
};
