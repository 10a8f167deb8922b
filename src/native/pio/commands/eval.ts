import type { Command } from 'commander';
import type { CommandDefinition } from '../../../lib/command-spec.js';
import type { GlobalOptions } from '../engine-command.js';

export const evaluate: CommandDefinition = {
  name: 'eval',
  description: 'evaluate engine params with a metric; writes best.json for a single-metric evaluation',
  arguments: [
    { name: '<evaluation>', description: 'evaluation module and export, e.g. src/evaluation.ts#accuracy' },
    { name: '[engine-params-generator]', description: 'engine params generator module and export (default: the evaluation)' },
  ],
  options: [
    { flags: '--batch <label>', description: 'batch label stored with the evaluation instance', default: '' },
    { flags: '--json-extractor <name>', description: 'accepted for compatibility (Json4sNative|Gson|Both)' },
  ],
  examples: ['pio eval src/evaluation.ts#accuracyEvaluation src/evaluation.ts#engineParamsList'],
  action: async (evaluation: string, generator: string | undefined, options: { batch: string }, command: Command) => {
    const { applyDriverMemory, consoleLines, openStorageFromEnv, runEngineCommand } = await import('../engine-command.js');
    await runEngineCommand(async () => {
      if (await applyDriverMemory()) return;
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { runEval } = await import('../../workflow/evaluate.js');
      await runEval(
        { engineDir: globals.engineDir, evaluation, generator, batch: options.batch },
        { console: consoleLines, openStorage: openStorageFromEnv },
      );
    });
  },
};
