import type { CommandDefinition } from '../../lib/command-spec.js';

export const buildpackRelease: CommandDefinition = {
  name: 'release',
  description: 'Print the buildpack release YAML (default process types)',
  arguments: [{ name: '[build-dir]', description: 'the app checkout (unused: the defaults do not depend on it)' }],
  examples: ['pio-deploy buildpack release /tmp/build'],
  action: async () => {
    const { releaseYaml } = await import('../../buildpack/procfile.js');
    process.stdout.write(releaseYaml('engine'));
  },
};
