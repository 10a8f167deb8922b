import type { CommandDefinition } from '../../../lib/command-spec.js';
import { parseCount } from '../../arg-parsers.js';
import { appDirOf } from './app-dir.js';

export const remoteLogs: CommandDefinition = {
  name: 'logs',
  description: 'Show the web process output of the app behind git remote <name>',
  arguments: [{ name: '<name>' }],
  options: [
    { flags: '-n, --num <lines>', description: 'number of lines', parse: parseCount, default: 100 },
    { flags: '-t, --tail', description: 'keep printing new lines', default: false },
  ],
  examples: ['pio-deploy remote logs staging --tail'],
  action: async (name: string, options: { num: number; tail: boolean }) => {
    const { logsCommand } = await import('../../../platform/command-actions.js');
    await logsCommand(await appDirOf(name), options);
  },
};
