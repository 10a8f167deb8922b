import type { CommandDefinition } from '../../../lib/command-spec.js';
import { createOutput } from '../../../lib/output.js';
import { parsePort } from '../../arg-parsers.js';

export const remoteAdd: CommandDefinition = {
  name: 'add',
  description: 'Create a local platform app and a git remote <name> for it in this repository',
  arguments: [{ name: '<name>' }],
  options: [
    { flags: '--dir <path>', description: 'where the app lives on the platform (default: ~/.pio-deploy/apps/<name>)' },
    { flags: '-p, --port <port>', description: 'stable port the app is served on (default: a free port)', parse: parsePort },
    { flags: '--buildpack <dir>', description: 'classic buildpack directory (default: the one shipped with pio-deploy)' },
  ],
  examples: ['pio-deploy remote add staging --port 8000', 'git push staging main'],
  action: async (name: string, options: { dir?: string; port?: number; buildpack?: string }) => {
    const [{ addRemote }, { appLayout }] = await Promise.all([
      import('../../../platform/remote.js'),
      import('../../../platform/app-state.js'),
    ]);
    const added = await addRemote({
      name,
      repoDir: process.cwd(),
      ...(options.dir ? { dir: options.dir } : {}),
      ...(options.port ? { port: options.port } : {}),
      ...(options.buildpack ? { buildpackDir: options.buildpack } : {}),
    });
    const out = createOutput();
    out.topic(`Created local platform app ${name}`);
    out.detail(`git remote:  ${name} -> ${added.repo}`);
    out.detail(
      `config vars: ${appLayout(added.appDir).config}${added.configVarsCopied === undefined ? '' : ` (${added.configVarsCopied} copied from .env)`}`,
    );
    out.detail(`served at:   http://${added.app.host}:${added.app.port}/ after \`git push ${name} main\``);
  },
};
