import { processCommand } from './process-command.js';

export const release = processCommand(
  'release',
  'Release phase: create the PredictionIO app, run the data hooks, then pio train.',
  'pio-deploy release   # Procfile: release: pio-deploy release',
  async () => (await import('../../dyno/release.js')).runRelease,
);
