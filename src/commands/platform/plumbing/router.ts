import { resolve } from 'node:path';
import type { CommandDefinition } from '../../../lib/command-spec.js';

export const platformRouter: CommandDefinition = {
  name: 'router',
  description: 'run the router daemon of an app (started by deploys)',
  options: [{ flags: '--app-dir <dir>', description: 'platform dir of the app', required: true }],
  examples: ['pio-deploy platform router --app-dir ~/.pio-deploy/apps/staging'],
  action: async (options: { appDir: string }) => (await import('../../../platform/router.js')).runRouter(resolve(options.appDir)),
};
