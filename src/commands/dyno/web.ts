import { processCommand } from './process-command.js';

export const web = processCommand(
  'web',
  'Serve the engine (pio deploy) or, for an event server app, pio eventserver, on $PORT.',
  'PORT=8000 pio-deploy web',
  async () => (await import('../../dyno/web.js')).runWeb,
);
