// The durable floor: the least any Event Server must do to acknowledge an event only after PostgreSQL
// committed it, on this machine. Bare node:http and JSON.parse, no framework, no authentication and no
// validation, storing through the Event Server's own storage path (its group-commit writer, with its
// defaults). Its throughput bounds what any durable design reaches here. Run as a child process with
// DATABASE_URL, PIO_HOME and FLOOR_APP_ID; prints its port.
import { createServer } from 'node:http';

const { openStorage, resolveStorageSettings } = await import('../../../dist/native/storage/index.js');

const storage = await openStorage(resolveStorageSettings(process.env));
const writer = storage.events.createGroupCommitWriter();
const scope = { appId: Number(process.env.FLOOR_APP_ID) };

const server = createServer((req, res) => {
  const answer = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    if (req.method !== 'POST') return answer(200, '{"status":"alive"}');
    const input = JSON.parse(body);
    const event = { ...input, eventTime: input.eventTime ? new Date(input.eventTime) : undefined };
    writer.insert(scope, event).then(
      (id) => answer(201, `{"eventId":"${id}"}`),
      (error) => answer(500, JSON.stringify({ message: String(error.message) })),
    );
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${/** @type {import('node:net').AddressInfo} */ (server.address()).port}\n`));
process.on('SIGTERM', () => server.close(() => void writer.close().then(() => storage.close()).then(() => process.exit(0))));
