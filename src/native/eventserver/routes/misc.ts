import type { FastifyInstance } from 'fastify';
import { sendJson, sendMessage } from '../../http/answer.js';
import { authOf, type Authenticate, type EventServerContext } from '../context.js';
import { MESSAGES } from '../messages.js';

const ALIVE = '{"status":"alive"}';

/** `GET /`, `GET /stats.json` and the plugin routes (BEHAVIOUR.md#event-server-routes, BEHAVIOUR.md#event-server-stats, BEHAVIOUR.md#event-server-plugins). */
export function registerMiscRoutes(app: FastifyInstance, context: EventServerContext, authenticate: Authenticate): void {
  // A router polling this while the server drains sees it going, as every other route answers then.
  app.get('/', async (_request, reply) =>
    context.isClosing()
      ? sendMessage(reply.header('retry-after', '1').header('connection', 'close'), 503, MESSAGES.shuttingDown)
      : sendJson(reply, 200, ALIVE),
  );

  app.get('/stats.json', { onRequest: authenticate }, async (request, reply) => {
    const auth = authOf(request);
    if (context.stats === undefined) return sendMessage(reply, 404, MESSAGES.statsDisabled);
    return sendJson(reply, 200, JSON.stringify(context.stats.snapshot(auth.appId)));
  });

  app.get('/plugins.json', async (_request, reply) => sendJson(reply, 200, JSON.stringify(context.plugins.describe())));

  app.get('/plugins/*', { onRequest: authenticate }, async (request, reply) => {
    const auth = authOf(request);
    const segments = ((request.params as { '*': string })['*'] ?? '').split('/').map((segment) => decodeURIComponent(segment));
    const [type = '', name = '', ...args] = segments;
    const plugin = context.plugins.restHandler(type, name);
    if (plugin.handleRest === undefined) throw new Error(`Plugin ${name} has no REST handler`);
    return sendJson(reply, 200, await plugin.handleRest(auth.appId, auth.channelId, args));
  });
}
