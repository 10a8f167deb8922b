import { InvalidArgumentError, type Command } from 'commander';

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError(`--port must be an integer from 0 to 65535 (got "${value}").`);
  }
  return port;
}

/** `pio eventserver [--ip 0.0.0.0] [--port 7070] [--stats]` (spec §5.6). The server code loads lazily. */
export function registerEventServerCommand(program: Command): void {
  program
    .command('eventserver')
    .description('Launch an Event Server at the specific IP and port.')
    .option('--ip <ip>', 'IP to bind to', '0.0.0.0')
    .option('--port <port>', 'port to bind to', parsePort, 7070)
    .option('--stats', 'enable the event statistics page (GET /stats.json)', false)
    .addHelpText(
      'after',
      [
        '',
        'Environment:',
        '  PIO_STORAGE_* / DATABASE_URL           where events are stored (embedded PostgreSQL when unset)',
        '  PIO_LOG_LEVEL                          JSON log level: error, warn, info (default), debug',
        '  PIO_EVENTSERVER_PLUGINS                comma-separated plugin modules (input blockers/sniffers)',
        '  PIO_EVENTSERVER_CONCURRENT_COMMITS     batches committing at once across event tables (default: connections - 1)',
        '',
        'Example:',
        '  $ pio eventserver --ip 127.0.0.1 --port 7070 --stats',
      ].join('\n'),
    )
    .action(async (options: { ip: string; port: number; stats: boolean }) => {
      const { runEventServer } = await import('./run.js');
      await runEventServer({ ip: options.ip, port: options.port, stats: options.stats });
    });
}
