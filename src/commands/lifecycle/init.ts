import type { CommandDefinition } from '../../lib/command-spec.js';
import { createOutput } from '../../lib/output.js';
import { TEMPLATE_NAMES } from '../../lifecycle/templates.js';

export const init: CommandDefinition = {
  name: 'init',
  description:
    'Create a deployable engine app from a template (engine, app.json, Procfile, .env, data hooks, README, first git commit), ' +
    'or prepare an existing engine directory for deployment without touching its code',
  arguments: [{ name: '[dir]' }],
  options: [
    { flags: '-t, --template <name>', description: 'engine template for a new app', choices: TEMPLATE_NAMES },
    { flags: '--name <name>', description: 'app and PredictionIO app name (default: from the directory name)' },
    { flags: '--force', description: 'add the template to a non-empty directory (same-named files are overwritten)', default: false },
    { flags: '--no-git', description: 'do not git init or commit' },
  ],
  examples: [
    'pio-deploy init my-engine --template classification',
    'cd my-scala-engine && pio-deploy init   # prepare an existing engine',
  ],
  action: async (dir: string | undefined, options: { template?: string; name?: string; force: boolean; git: boolean }) => {
    const { runInit } = await import('../../lifecycle/init.js');
    await runInit({
      dir: dir ?? '.',
      template: options.template,
      name: options.name,
      force: options.force,
      git: options.git,
      out: createOutput(),
    });
  },
};
