import type { CommandDefinition } from '../../../lib/command-spec.js';
import { parseIntOption } from '../option-parsers.js';
import { withStorage } from '../with-storage.js';

export const importEvents: CommandDefinition = {
  name: 'import',
  description: 'import events from a file with one event JSON object per line (all or nothing)',
  options: [
    { flags: '--appid <id>', description: 'app ID to import into', parse: parseIntOption('--appid'), required: true },
    { flags: '--input <path>', description: 'file, or directory of part files (as written by pio export)', required: true },
    { flags: '--channel <name>', description: 'import into this channel instead of the default one' },
  ],
  examples: ['pio import --appid 1 --input data/events.json', 'pio import --appid 1 --channel mobile --input exported/'],
  action: async (options: { appid: number; input: string; channel?: string }) => {
    const { runImport } = await import('../import.js');
    await withStorage((storage) => runImport(storage, options));
  },
};
