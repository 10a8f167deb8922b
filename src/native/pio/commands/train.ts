import type { Command } from 'commander';
import type { CommandDefinition } from '../../../lib/command-spec.js';
import type { GlobalOptions } from '../engine-command.js';
import { integer } from '../option-parsers.js';

interface TrainOptions {
  batch: string;
  skipSanityCheck?: boolean;
  stopAfterRead?: boolean;
  stopAfterPrepare?: boolean;
  engineFactory?: string;
  engineParamsKey?: string;
  verbosity: number;
}

export const train: CommandDefinition = {
  name: 'train',
  description: 'train the engine and store the model as a new engine instance',
  options: [
    { flags: '--batch <label>', description: 'batch label stored with the engine instance', default: '' },
    { flags: '--skip-sanity-check', description: 'skip the data sanity checks (-ssc)' },
    { flags: '--stop-after-read', description: 'stop after reading training data (-sar)' },
    { flags: '--stop-after-prepare', description: 'stop after preparing training data (-sap)' },
    { flags: '--engine-factory <name>', description: "override engine.json's engineFactory (module#export)" },
    { flags: '--engine-params-key <key>', description: "take engine params from the factory's engineParams(key)" },
    { flags: '--verbosity <n>', description: 'workflow verbosity', parse: integer('--verbosity'), default: 0 },
    { flags: '--json-extractor <name>', description: 'accepted for compatibility (Json4sNative|Gson|Both)' },
    { flags: '--uber-jar', description: 'accepted for compatibility; not used' },
    { flags: '--main-py-file <file>', description: 'accepted for compatibility; not used' },
    { flags: '--params-path <path>', description: 'accepted for compatibility; not used' },
    { flags: '--metrics-params', description: 'accepted for compatibility; not used (-mp)' },
  ],
  notes: 'Spark arguments after `--` are ignored, except the driver memory, which becomes the Node heap limit.',
  examples: ['pio train', 'pio train --engine-dir my-engine -- --driver-memory 2g'],
  action: async (options: TrainOptions, command: Command) => {
    const { applyDriverMemory, consoleLines, openStorageFromEnv, runEngineCommand } = await import('../engine-command.js');
    await runEngineCommand(async () => {
      if (await applyDriverMemory()) return;
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { runTrain } = await import('../../workflow/train.js');
      await runTrain(
        { ...options, engineDir: globals.engineDir, variant: globals.variant },
        { console: consoleLines, openStorage: openStorageFromEnv },
      );
    });
  },
};
