// The durable floor: the least any Event Server must do to acknowledge an event only after PostgreSQL
// committed it, on this machine. Bare node:http, JSON.parse, no framework, no authentication and no
// validation, and the Event Server's own storage path (rows in binary COPY, one batch committing at a
// time, filled at the end of the event-loop turn). Its throughput bounds what any durable design reaches
// here. Run as a child process with DATABASE_URL and FLOOR_TABLE; prints its port.
import { createServer } from 'node:http';
import pg from 'pg';

const storage = (file) => import(new URL(`../../../dist/native/storage/${file}`, import.meta.url).href);
const { copyIn } = await storage('copy-in.js');
const { COPY_BINARY_HEADER, COPY_BINARY_TRAILER, CopyRowWriter, eventIdFor, writeEventRow } = await storage('copy-rows.js');
const { EVENT_COLUMNS } = await storage('ddl.js');

const table = process.env.FLOOR_TABLE;
const copyCommand = `COPY ${table} (${EVENT_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });

let queue = [];
let committing = false;
let scheduled = false;

const scheduleSoon = () => {
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    commitQueue();
  });
};

function commitQueue() {
  if (committing || queue.length === 0) return;
  const batch = queue;
  queue = [];
  committing = true;
  const writer = new CopyRowWriter(16 * 1024);
  for (const pending of batch) writeEventRow(writer, pending.event, pending.id, { emptyPropertiesAsNull: false });
  const chunks = [COPY_BINARY_HEADER, ...writer.take(), COPY_BINARY_TRAILER];
  pool
    .connect()
    .then((client) => copyIn(client, copyCommand, chunks).finally(() => client.release()))
    .then(
      () => batch.forEach((pending) => pending.answer(201, `{"eventId":"${pending.id}"}`)),
      (error) => batch.forEach((pending) => pending.answer(500, JSON.stringify({ message: String(error.message) }))),
    )
    .finally(() => {
      committing = false;
      scheduleSoon();
    });
}

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
    const now = new Date();
    const input = JSON.parse(body);
    const event = { ...input, eventTime: input.eventTime ? new Date(input.eventTime) : now, creationTime: now };
    queue.push({ event, id: eventIdFor(event), answer });
    scheduleSoon();
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
