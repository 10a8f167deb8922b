import { resolve } from 'node:path';
import type { CommandDefinition } from '../../lib/command-spec.js';
import { DEFAULT_QUICKSTART_DIR } from '../../lifecycle/default-names.js';
import { defaultBuildpackDir } from '../../platform/paths.js';
import { parsePort, parseSeconds } from '../arg-parsers.js';

export const quickstart: CommandDefinition = {
  name: 'quickstart',
  description:
    'First run: create the classification demo app in a new directory, build, release and serve it on the embedded PostgreSQL, and print its answers to demo queries',
  options: [
    { flags: '-y, --yes', description: 'do not ask for confirmation (required when stdin is not a terminal)', default: false },
    { flags: '--dir <path>', description: 'directory for the new app (must not exist or be empty)', default: DEFAULT_QUICKSTART_DIR },
    { flags: '--keep-running', description: 'keep serving after the demo queries, until Ctrl-C', default: false },
    { flags: '-p, --port <port>', description: 'port of the engine server (default: a free port)', parse: parsePort },
    { flags: '--buildpack <dir>', description: 'classic buildpack directory (default: the one shipped with pio-deploy)' },
    { flags: '--boot-timeout <seconds>', description: 'how long the web process may take to answer HTTP', parse: parseSeconds, default: 120 },
    { flags: '-v, --verbose', description: 'show the full build, release and web output', default: false },
  ],
  examples: ['npm ci && ./bin/pio-deploy quickstart --yes', 'pio-deploy quickstart --dir /tmp/demo --keep-running'],
  action: async (options: {
    yes: boolean;
    dir: string;
    keepRunning: boolean;
    port?: number;
    buildpack?: string;
    bootTimeout: number;
    verbose: boolean;
  }) => {
    const { runQuickstart } = await import('../../lifecycle/quickstart.js');
    process.exitCode = await runQuickstart({
      dir: options.dir,
      yes: options.yes,
      keepRunning: options.keepRunning,
      verbose: options.verbose,
      port: options.port,
      buildpackDir: resolve(options.buildpack ?? defaultBuildpackDir()),
      bootTimeoutMs: options.bootTimeout * 1000,
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
    });
  },
};
