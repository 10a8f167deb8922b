import type { Command } from 'commander';
import type { CommandDefinition } from '../../../lib/command-spec.js';
import { EngineWorkflowError } from '../../workflow/errors.js';
import type { GlobalOptions } from '../engine-command.js';
import { integer } from '../option-parsers.js';

interface DeployOptions {
  ip: string;
  port: number;
  engineInstanceId?: string;
  feedback?: boolean;
  accesskey?: string;
  eventServerIp: string;
  eventServerPort: number;
  pollInterval?: string;
}

function pollInterval(value: string | undefined, flag: boolean): number {
  if (value === undefined || value === '') return 5000;
  if (!/^\d+$/.test(value)) {
    throw new EngineWorkflowError(
      `${flag ? '--poll-interval' : 'PIO_ENGINE_POLL_INTERVAL'} must be a number of milliseconds (0 turns hot swapping off), got '${value}'.`,
    );
  }
  return Number(value);
}

export const deploy: CommandDefinition = {
  name: 'deploy',
  description: 'serve the latest trained engine instance over HTTP (hot-swaps newer trainings)',
  options: [
    { flags: '--ip <ip>', description: 'IP to bind to', default: '0.0.0.0' },
    { flags: '--port <port>', description: 'port to bind to', parse: integer('--port'), default: 8000 },
    { flags: '--engine-instance-id <id>', description: 'serve this engine instance instead of the latest trained one' },
    { flags: '--feedback', description: 'send each query and prediction to the Event Server' },
    { flags: '--accesskey <key>', description: 'access key for feedback events (default $PIO_EVENTSERVER_ACCESS_KEY, which keeps it out of ps)' },
    { flags: '--event-server-ip <ip>', description: 'Event Server IP for feedback', default: '0.0.0.0' },
    { flags: '--event-server-port <port>', description: 'Event Server port for feedback', parse: integer('--event-server-port'), default: 7070 },
    {
      flags: '--poll-interval <ms>',
      description: 'milliseconds between checks for a newer training (0 = off; default $PIO_ENGINE_POLL_INTERVAL or 5000)',
    },
    { flags: '--batch <label>', description: 'accepted for compatibility; not used' },
    { flags: '--log-url <url>', description: 'accepted for compatibility; not used' },
    { flags: '--log-prefix <prefix>', description: 'accepted for compatibility; not used' },
    { flags: '--json-extractor <name>', description: 'accepted for compatibility (Json4sNative|Gson|Both)' },
    { flags: '--uber-jar', description: 'accepted for compatibility; not used' },
    { flags: '--admin-server-ip <ip>', description: 'accepted for compatibility; not used' },
    { flags: '--admin-server-port <port>', description: 'accepted for compatibility; not used' },
  ],
  examples: ['pio deploy --port 8000', 'pio deploy --feedback --accesskey $ACCESS_KEY --event-server-port 7070'],
  action: async (options: DeployOptions, command: Command) => {
    const { applyDriverMemory, consoleLines, openStorageFromEnv, runEngineCommand } = await import('../engine-command.js');
    await runEngineCommand(async () => {
      if (await applyDriverMemory()) return;
      const globals = command.optsWithGlobals<GlobalOptions>();
      const pollIntervalMs =
        options.pollInterval !== undefined
          ? pollInterval(options.pollInterval, true)
          : pollInterval(process.env.PIO_ENGINE_POLL_INTERVAL, false);
      const [{ runDeploy }, { capYoungGeneration }] = await Promise.all([
        import('../../engineserver/deploy.js'),
        import('../../../lib/semi-space-cap.js'),
      ]);
      // Keeps RSS under query load near the model's own size (BENCHMARKS.md); the process is ours alone.
      capYoungGeneration();
      const server = await runDeploy(
        {
          engineDir: globals.engineDir,
          variant: globals.variant,
          ip: options.ip,
          port: options.port,
          engineInstanceId: options.engineInstanceId,
          feedback: options.feedback,
          accessKey: options.accesskey ?? (process.env.PIO_EVENTSERVER_ACCESS_KEY || undefined),
          eventServerIp: options.eventServerIp,
          eventServerPort: options.eventServerPort,
          pollIntervalMs,
          serverKey: process.env.PIO_SERVER_ACCESS_KEY || undefined,
        },
        { console: consoleLines, openStorage: openStorageFromEnv },
      );
      const shutdown = () => void server.close();
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
      await server.stopped;
      process.off('SIGTERM', shutdown);
      process.off('SIGINT', shutdown);
    });
  },
};
