import type { CommandDefinition } from '../../lib/command-spec.js';
import { createOutput } from '../../lib/output.js';
import { SOURCE_ROOT } from './source-root.js';

export const buildpackCnbPackage: CommandDefinition = {
  name: 'cnb-package',
  description: 'Write a self-contained Cloud Native Buildpack directory (buildpack/ plus a production copy of pio-deploy)',
  options: [{ flags: '-o, --output <dir>', description: 'new directory to write', required: true }],
  examples: [
    'pio-deploy buildpack cnb-package --output ./out/cnb',
    'pack build my-engine --builder heroku/builder:24 --buildpack ./out/cnb --path ./my-engine',
  ],
  action: async (options: { output: string }) => {
    const [{ packageCnb }, { formatBytes }] = await Promise.all([
      import('../../buildpack/cnb-package.js'),
      import('../../distributions/progress.js'),
    ]);
    const output = createOutput();
    const result = await packageCnb(SOURCE_ROOT, options.output);
    output.topic(`Wrote the Cloud Native Buildpack to ${result.dir} (${formatBytes(result.bytes)})`);
  },
};
