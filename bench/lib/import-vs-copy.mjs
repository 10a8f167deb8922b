// `pio import` against a bare COPY of the same rows: the one definition both bench/pio/import-export.mjs
// and bench/eventserver/run.mjs measure.
//   - the events: one JSON-lines file (`writeImportFile`), the same for both sides;
//   - bare COPY: that file converted to COPY text format by a straightforward script BEFORE the clock
//     starts (`convertToCopyText`), then streamed from the converted file by a `pg` client with
//     `COPY … FROM STDIN` into a fresh event table made by `pio app new` (primary key included), timed
//     from the start of the COPY to its commit;
//   - pio import: `bin/pio import` of the JSON-lines file into another fresh app, timed as the whole
//     command (process start included), plus the in-process time the command itself reports;
//   - rounds alternate import and COPY (fresh tables each time), because the machine may be shared;
//     callers report medians. CPU seconds of the pio process and of PostgreSQL are recorded too.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { from as copyFrom } from 'pg-copy-streams';
import { treeCpuMs } from '../eventserver/lib/cpu.mjs';
import { timeCommand } from './time-command.mjs';

const run = promisify(execFile);
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

/** Columns of an upstream event table, in the order `convertToCopyText` writes them. */
export const EVENT_COLUMNS =
  'id, event, entitytype, entityid, targetentitytype, targetentityid, properties, eventtime, eventtimezone, tags, prid, creationtime, creationtimezone';

/** Event `i` of the import file: one `$set` in ten, the rest `rate` events on 1,000 items. */
export function importLine(i) {
  return JSON.stringify({
    event: i % 10 === 0 ? '$set' : 'rate',
    entityType: 'user',
    entityId: `u${i}`,
    ...(i % 10 === 0 ? {} : { targetEntityType: 'item', targetEntityId: `i${i % 1000}` }),
    properties: i % 10 === 0 ? { age: i % 90, plan: 'basic' } : { rating: (i % 5) + 1 },
    eventTime: `2020-01-01T00:${String(i % 60).padStart(2, '0')}:${String(i % 59).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}Z`,
  });
}

/** Writes events 0 … count-1 as a JSON-lines file; returns the lines. */
export async function writeImportFile(path, count) {
  const lines = Array.from({ length: count }, (_, i) => importLine(i));
  await writeFile(path, `${lines.join('\n')}\n`);
  return lines;
}

/** The straightforward conversion of an import file to COPY text, as anyone would script it. */
export async function convertToCopyText(input, output) {
  const field = (value) => (value == null ? '\\N' : String(value).replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]));
  const wallClock = (date) => date.toISOString().replace('T', ' ').replace('Z', '');
  const now = wallClock(new Date());
  const out = createWriteStream(output);
  for (const text of (await readFile(input, 'utf8')).split('\n')) {
    if (text === '') continue;
    const e = JSON.parse(text);
    const properties = e.properties && Object.keys(e.properties).length > 0 ? JSON.stringify(e.properties) : null;
    const row = [randomUUID().replaceAll('-', ''), e.event, e.entityType, e.entityId, e.targetEntityType, e.targetEntityId, properties,
      wallClock(new Date(e.eventTime)), 'UTC', null, e.prId, now, 'UTC'];
    if (!out.write(`${row.map(field).join('\t')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

/** `pio app new <name>`: the app's id and its (default channel) event table. */
export async function newPioApp(pio, name, env) {
  const { stdout } = await run(pio, ['app', 'new', name], { env });
  const appId = Number(/ID: (\d+)/.exec(stdout)?.[1]);
  if (!Number.isInteger(appId)) throw new Error(`pio app new ${name} printed no app id:\n${stdout}`);
  return { appId, table: `pio_event_${appId}` };
}

/** The bare COPY: the converted file streamed into `table` in one transaction; seconds to commit. */
export async function timedCopy(client, table, copyFile) {
  const start = process.hrtime.bigint();
  await client.query('BEGIN');
  await pipeline(createReadStream(copyFile, { highWaterMark: 1 << 20 }), client.query(copyFrom(`COPY ${table} (${EVENT_COLUMNS}) FROM STDIN`)));
  await client.query('COMMIT');
  return seconds(start);
}

/** `pio import` as a whole command: wall, CPU and peak RSS (GNU time), and the in-process seconds it reports. */
export async function timedPioImport(pio, { appId, input, env }) {
  const result = await timeCommand(pio, ['import', '--appid', String(appId), '--input', input], env);
  const inProcess = Number(/Imported \d+ event\(s\) in ([\d.]+) s/.exec(result.stdout)?.[1]);
  return { ...result, inProcess };
}

/**
 * `rounds` alternating rounds of pio import and bare COPY of `count` events, each into fresh tables.
 * `client` is a connected `pg` client; `postgresPid` (optional) the postmaster's pid for CPU accounting;
 * `log` gets a line before each timed step, `afterRound` the round number after each round.
 * Fails when either side stores a different number of rows than `count`.
 * @param {{ pio: string, env: NodeJS.ProcessEnv, client: import('pg').Client, input: string, copyFile: string,
 *   count: number, rounds: number, postgresPid?: number, namePrefix?: string, log?: (line: string) => void,
 *   afterRound?: (round: number) => void }} options
 */
export async function importVsCopyRounds({
  pio,
  env,
  client,
  input,
  copyFile,
  count,
  rounds,
  postgresPid,
  namePrefix = 'Bench',
  log = () => {},
  afterRound = () => {},
}) {
  const pgCpu = async () => (postgresPid ? (await treeCpuMs(postgresPid)) / 1000 : Number.NaN);
  const rowCount = async (table) => (await client.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
  const imports = [];
  const copies = [];
  let lastImportAppId;
  for (let round = 1; round <= rounds; round++) {
    const importApp = await newPioApp(pio, `${namePrefix}Import${round}`, env);
    log(`round ${round}: pio import of ${count} events`);
    let pgBefore = await pgCpu();
    const imported = await timedPioImport(pio, { appId: importApp.appId, input, env });
    imports.push({ ...imported, pgCpu: (await pgCpu()) - pgBefore });
    const importedRows = await rowCount(importApp.table);
    if (importedRows !== count) throw new Error(`pio import stored ${importedRows} of ${count} rows`);
    lastImportAppId = importApp.appId;

    const copyApp = await newPioApp(pio, `${namePrefix}Copy${round}`, env);
    log(`round ${round}: bare COPY of the same rows`);
    pgBefore = await pgCpu();
    const wall = await timedCopy(client, copyApp.table, copyFile);
    copies.push({ wall, pgCpu: (await pgCpu()) - pgBefore });
    const copiedRows = await rowCount(copyApp.table);
    if (copiedRows !== count) throw new Error(`bare COPY stored ${copiedRows} of ${count} rows`);
    afterRound(round);
  }
  return { imports, copies, lastImportAppId };
}
