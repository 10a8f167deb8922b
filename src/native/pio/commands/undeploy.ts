import type { CommandDefinition } from '../../../lib/command-spec.js';
import { EngineWorkflowError } from '../../workflow/errors.js';
import { integer } from '../option-parsers.js';

export const undeploy: CommandDefinition = {
  name: 'undeploy',
  description: 'stop the engine server at ip:port',
  options: [
    { flags: '--ip <ip>', description: 'engine server IP', default: '0.0.0.0' },
    { flags: '--port <port>', description: 'engine server port', parse: integer('--port'), default: 8000 },
  ],
  examples: ['pio undeploy --port 8000'],
  action: async (options: { ip: string; port: number }) => {
    const { consoleLines, runEngineCommand } = await import('../engine-command.js');
    await runEngineCommand(async () => {
      const { requestStop } = await import('../../engineserver/deploy.js');
      const at = `http://${options.ip}:${options.port}`;
      consoleLines.info('Engine$', `Undeploying any existing engine instance at ${at}`);
      const result = await requestStop(options.ip, options.port, process.env.PIO_SERVER_ACCESS_KEY || undefined);
      if (result === 'stopped') return;
      if (result === 'nothing') throw new EngineWorkflowError(`Nothing at ${at}`);
      if (result === 404) throw new EngineWorkflowError(`Another process is using ${at}. Unable to undeploy.`);
      throw new EngineWorkflowError(
        `Another process is using ${at}, or an existing engine server is not responding properly (HTTP ${result}). Unable to undeploy.`,
      );
    });
  },
};
