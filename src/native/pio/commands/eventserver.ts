import type { CommandDefinition } from '../../../lib/command-spec.js';
import { parseEventServerPort } from '../option-parsers.js';

/** `pio eventserver [--ip 0.0.0.0] [--port 7070] [--stats]` (BEHAVIOUR.md#pio-eventserver). The server code loads lazily. */
export const eventserver: CommandDefinition = {
  name: 'eventserver',
  description: 'Launch an Event Server at the specific IP and port.',
  options: [
    { flags: '--ip <ip>', description: 'IP to bind to', default: '0.0.0.0' },
    { flags: '--port <port>', description: 'port to bind to', parse: parseEventServerPort, default: 7070 },
    { flags: '--stats', description: 'enable the event statistics page (GET /stats.json)', default: false },
  ],
  notes: [
    'Environment:',
    '  PIO_STORAGE_* / DATABASE_URL           where events are stored (embedded PostgreSQL when unset)',
    '  PIO_LOG_LEVEL                          JSON log level: error, warn, info (default), debug',
    '  PIO_EVENTSERVER_PLUGINS                comma-separated plugin modules (input blockers/sniffers)',
    '  PIO_EVENTSERVER_CONCURRENT_COMMITS     batches committing at once across event tables (default: connections - 1)',
  ].join('\n'),
  examples: ['pio eventserver --ip 127.0.0.1 --port 7070 --stats'],
  action: async (options: { ip: string; port: number; stats: boolean }) => {
    const { runEventServer } = await import('../../eventserver/run.js');
    await runEventServer({ ip: options.ip, port: options.port, stats: options.stats });
  },
};
