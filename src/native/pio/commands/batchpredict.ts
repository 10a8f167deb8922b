import type { Command } from 'commander';
import type { CommandDefinition } from '../../../lib/command-spec.js';
import type { GlobalOptions } from '../engine-command.js';
import { integer } from '../option-parsers.js';

export const batchpredict: CommandDefinition = {
  name: 'batchpredict',
  description: 'predict a file of queries (one JSON per line) into a directory of part files',
  options: [
    { flags: '--input <path>', description: 'query file or directory of part files', default: 'batchpredict-input.json' },
    { flags: '--output <path>', description: 'output directory (must not exist)', default: 'batchpredict-output.json' },
    { flags: '--query-partitions <n>', description: 'number of output part files', parse: integer('--query-partitions', 1) },
    { flags: '--engine-instance-id <id>', description: 'use this engine instance instead of the latest trained one' },
    { flags: '--json-extractor <name>', description: 'accepted for compatibility (Json4sNative|Gson|Both)' },
  ],
  examples: ['pio batchpredict --input queries.json --output predictions'],
  action: async (
    options: { input: string; output: string; queryPartitions?: number; engineInstanceId?: string },
    command: Command,
  ) => {
    const { applyDriverMemory, consoleLines, openStorageFromEnv, runEngineCommand } = await import('../engine-command.js');
    await runEngineCommand(async () => {
      if (await applyDriverMemory()) return;
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { runBatchPredict } = await import('../../workflow/batchpredict.js');
      await runBatchPredict(
        { ...options, engineDir: globals.engineDir, variant: globals.variant },
        { console: consoleLines, openStorage: openStorageFromEnv },
      );
    });
  },
};
