import type { CommandDefinition } from '../../../lib/command-spec.js';
import { parseIntOption } from '../option-parsers.js';

export const exportEvents: CommandDefinition = {
  name: 'export',
  description: 'export events to a directory of part files, one event JSON object per line',
  options: [
    { flags: '--appid <id>', description: 'app ID to export', parse: parseIntOption('--appid'), required: true },
    { flags: '--output <dir>', description: 'output directory (must not exist)', required: true },
    { flags: '--channel <name>', description: 'export this channel instead of the default one' },
    { flags: '--format <format>', description: 'json (parquet is not supported by the native runtime)', default: 'json' },
  ],
  examples: ['pio export --appid 1 --output /tmp/app1-events', 'cat /tmp/app1-events/part-*'],
  action: async (options: { appid: number; output: string; channel?: string; format: string }) =>
    (await import('../export.js')).runExport(options),
};
