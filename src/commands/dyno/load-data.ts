import { processCommand } from './process-command.js';

export const loadData = processCommand(
  'load-data',
  'Only the data hooks of the release phase (exit 0 ok, 3 configuration missing, else failure).',
  'pio-deploy load-data',
  async () => (await import('../../dyno/release.js')).runLoadData,
);
