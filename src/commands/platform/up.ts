import { resolve } from 'node:path';
import type { CommandDefinition } from '../../lib/command-spec.js';
import { defaultBuildpackDir } from '../../platform/paths.js';
import { parsePort, parseSeconds } from '../arg-parsers.js';

export const up: CommandDefinition = {
  name: 'up',
  description:
    'Build the committed app as a platform would (fresh build dir, persistent cache, .env as config vars), run the release phase, then serve the web process',
  options: [
    { flags: '--app-dir <dir>', description: 'app directory (a git repository)', default: '.' },
    { flags: '--buildpack <dir>', description: 'classic buildpack directory (default: the one shipped with pio-deploy)' },
    { flags: '--env <file>', description: 'config vars file (default: <app-dir>/.env)' },
    {
      flags: '-p, --port <port>',
      description: 'port of the web process (default: $PORT from .env or the environment, else 5000)',
      parse: parsePort,
    },
    { flags: '--boot-timeout <seconds>', description: 'how long the web process may take to answer HTTP', parse: parseSeconds, default: 60 },
  ],
  examples: ['git commit -am "Tune engine" && pio-deploy up --port 8000'],
  action: async (options: { appDir: string; buildpack?: string; env?: string; port?: number; bootTimeout: number }) => {
    const { runUp } = await import('../../platform/up.js');
    process.exitCode = await runUp({
      appDir: resolve(options.appDir),
      buildpackDir: resolve(options.buildpack ?? defaultBuildpackDir()),
      ...(options.env ? { envFile: resolve(options.env) } : {}),
      ...(options.port ? { port: options.port } : {}),
      bootTimeoutMs: options.bootTimeout * 1000,
      stopGraceMs: 10_000,
      stdout: process.stdout,
      stderr: process.stderr,
    });
  },
};
