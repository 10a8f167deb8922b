import { resolve } from 'node:path';
import type { CommandDefinition } from '../../lib/command-spec.js';
import { createOutput } from '../../lib/output.js';
import { appDirOption } from './app-dir-option.js';

export const runtimeConfig: CommandDefinition = {
  name: 'runtime-config',
  description:
    'Render pio-env.sh, spark-defaults.conf, core-site.xml, elasticsearch.yml (and engine.json appName) from the environment.',
  options: [appDirOption, { flags: '--quiet', description: 'print nothing but errors (used by .profile.d at dyno start)' }],
  examples: ['pio-deploy runtime-config --app-dir /app --quiet'],
  action: async (options: { appDir: string; quiet?: boolean }) => {
    const [{ loadConfig }, { renderRuntimeConfig }] = await Promise.all([
      import('../../config/load-config.js'),
      import('../../dyno/runtime-config.js'),
    ]);
    const output = createOutput();
    const appDir = resolve(options.appDir);
    const config = loadConfig(process.env);
    const result = await renderRuntimeConfig(appDir, config, process.env);
    if (options.quiet) return;
    for (const warning of config.warnings) output.warn(warning);
    output.topic(`Rendered PredictionIO configuration (${result.kind} distribution)`);
    for (const file of result.files) output.detail(`${file.path} (from ${file.from})`);
    for (const variant of result.variants.filter((v) => v.update === 'updated')) {
      output.detail(`${variant.file}: datasource.params.appName set from PIO_EVENTSERVER_APP_NAME`);
    }
  },
};
