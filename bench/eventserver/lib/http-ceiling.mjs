// The HTTP ceiling: a bare Node HTTP server that reads each POST body and answers like the Event Server
// (201 with an event id) without parsing or storing anything. Run as a child process: prints its port.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = `{"eventId":"${randomUUID().replaceAll('-', '')}"}`;
    res.writeHead(201, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${/** @type {import('node:net').AddressInfo} */ (server.address()).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
