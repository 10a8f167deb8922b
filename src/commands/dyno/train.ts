import { processCommand } from './process-command.js';

export const train = processCommand(
  'train',
  'Train the engine once (pio train), e.g. heroku run train.',
  'heroku run pio-deploy train',
  async () => (await import('../../dyno/train.js')).runTrain,
);
