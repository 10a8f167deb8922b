import type { CommandDefinition } from '../../lib/command-spec.js';
import { modelsList } from './list.js';
import { modelsPin } from './pin.js';
import { modelsRollback } from './rollback.js';
import { modelsUnpin } from './unpin.js';

export const models: CommandDefinition = {
  name: 'models',
  description: 'Model versions: list the engine instances, pin one to serve, unpin, roll back',
  notes: 'The pin lives in the database, so every web dyno follows it within one poll interval (PIO_ENGINE_POLL_INTERVAL).',
  examples: ['heroku run pio-deploy models', 'heroku run pio-deploy models rollback'],
  commands: [modelsList, modelsPin, modelsUnpin, modelsRollback],
  defaultCommand: 'list',
};
