import type { CommandDefinition } from '../../lib/command-spec.js';
import { createOutput } from '../../lib/output.js';

export const config: CommandDefinition = {
  name: 'config',
  description: 'Validate the environment and print the effective configuration (secrets hidden).',
  options: [{ flags: '--markdown', description: 'print the variables table used in CUSTOM.md instead' }],
  // The variables table needs the config schema (zod): loaded only when this help is shown.
  lazyNotes: async () => (await import('../../config/describe.js')).variablesHelp(),
  examples: ['pio-deploy config', 'heroku run pio-deploy config'],
  action: async (options: { markdown?: boolean }) => {
    const { effectiveConfigLines, variablesMarkdown } = await import('../../config/describe.js');
    if (options.markdown) {
      process.stdout.write(`${variablesMarkdown()}\n`);
      return;
    }
    const [{ loadConfig }, { planSparkMemory }] = await Promise.all([
      import('../../config/load-config.js'),
      import('../../config/spark-args.js'),
    ]);
    const config = loadConfig(process.env);
    const output = createOutput();
    output.topic('Configuration is valid');
    for (const warning of config.warnings) output.warn(warning);
    output.detail(effectiveConfigLines(config, process.env).join('\n'));
    output.detail(`Spark ${(await planSparkMemory(config)).description}`);
  },
};
