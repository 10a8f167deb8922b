import type { CommandDefinition } from '../../../lib/command-spec.js';

export const status: CommandDefinition = {
  name: 'status',
  description: 'check the installation and every storage backend (writes and drops a test event table)',
  examples: ['pio status'],
  action: async () => (await import('../status.js')).runStatus(),
};
