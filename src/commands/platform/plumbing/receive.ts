import { resolve } from 'node:path';
import type { CommandDefinition } from '../../../lib/command-spec.js';
import { parseSeconds } from '../../arg-parsers.js';

export const platformReceive: CommandDefinition = {
  name: 'receive',
  description: 'pre-receive hook: build, release and deploy the pushed main branch',
  options: [
    { flags: '--app-dir <dir>', description: 'platform dir of the app', required: true },
    { flags: '--boot-timeout <seconds>', description: 'how long a new web process may take to answer HTTP', parse: parseSeconds, default: 60 },
  ],
  examples: ['echo "$OLD $NEW refs/heads/main" | pio-deploy platform receive --app-dir ~/.pio-deploy/apps/staging'],
  action: async (options: { appDir: string; bootTimeout: number }) => {
    const [{ receivePush }, { readStdin }] = await Promise.all([
      import('../../../platform/receive.js'),
      import('../../../platform/command-actions.js'),
    ]);
    process.exitCode = await receivePush({
      appDir: resolve(options.appDir),
      repoDir: process.cwd(),
      stdin: await readStdin(),
      streams: process,
      bootTimeoutMs: options.bootTimeout * 1000,
    });
  },
};
