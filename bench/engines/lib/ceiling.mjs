// The HTTP ceiling for engine queries: a bare Node HTTP server that reads each POST body and answers
// 200 with a fixed JSON body of the size the engine server answers (argv[2] = that body), without
// parsing or predicting anything. Run as a child process: prints its port.
import { createServer } from 'node:http';

const body = process.argv[2] ?? '{}';
const length = Buffer.byteLength(body);
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': length });
    res.end(body);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${/** @type {import('node:net').AddressInfo} */ (server.address()).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
