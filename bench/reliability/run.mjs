#!/usr/bin/env node
// Reliability benchmark: counts, not speeds. One run on this machine measures
//   1. the hostile corpus (corpus.mjs) against `pio eventserver` and heap-capped `pio deploy`: requests
//      tried, answers by class, 5xx (documented upstream 500s apart), requests without an answer,
//      crashed processes, peak RSS of each server,
//   2. PostgreSQL restarts under load, fast (SIGINT) and immediate (SIGQUIT) shutdown: clients sending
//      events with their own eventIds and retrying every 503 or connection error; acknowledged vs stored,
//      duplicates, lost,
//   3. SIGTERM of the Event Server under load, several runs: acknowledged events all stored, time to exit,
//   4. concurrent `pio-deploy release` runs of one app: how many imported the initial data.
// Usage (after `npm run build`):  node bench/reliability/run.mjs [--quick] [--no-write]
// It starts its own embedded PostgreSQL in a temp dir, everything on loopback; without --no-write (and
// --quick) it replaces the Reliability section of BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { hostileCases, resolveCase } from './corpus.mjs';
import { runCases, samplePeakRss, statusClass } from './send.mjs';
import { machineSummary, markdownTable, writeBenchmarkSection } from '../lib/report.mjs';
import { freePort, startBenchPostgres } from '../eventserver/lib/postgres.mjs';
import { sleep, waitFor } from '../eventserver/lib/process.mjs';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const PIO = join(ROOT, 'bin/pio');
const PIO_DEPLOY = join(ROOT, 'bin/pio-deploy');
const FIXTURE_ENGINE = join(ROOT, 'test/fixtures/engines/mean');
const HEAP_CAP_MB = 192;
const SERVER_KEY = 'reliability-server-key';

const argv = new Set(process.argv.slice(2));
const quick = argv.has('--quick');
const write = !argv.has('--no-write') && !quick;
const config = quick
  ? { restartsPerMode: 1, sigtermRuns: 2, releaseRuns: 1, releaseEvents: 5_000, clients: 4 }
  : { restartsPerMode: 5, sigtermRuns: 10, releaseRuns: 3, releaseEvents: 50_000, clients: 8 };

if (!existsSync(join(ROOT, 'dist/native/pio/main.js'))) {
  console.error('dist/ is missing: run `npm run build` first.');
  process.exit(1);
}
const { openStorage, resolveStorageSettings } = await import('../../dist/native/storage/index.js');

const log = (line) => process.stderr.write(`reliability: ${line}\n`);


/** The processes below `pid` (Linux /proc), parents first. */
async function descendantPids(pid) {
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => ''))
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  const below = await Promise.all(children.map(descendantPids));
  return children.flatMap((child, index) => [child, ...below[index]]);
}

/** Starts `pio <args>` in `cwd`; its output is kept for a failure's report. */
function spawnPio(args, env, cwd = ROOT) {
  const child = spawn(process.execPath, [PIO, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  /** @type {Promise<{ code: number | null, signal: string | null }>} */
  const exited = new Promise((done) => child.on('exit', (code, signal) => done({ code, signal })));
  return { child, exited, output: () => output, pid: /** @type {number} */ (child.pid) };
}

/** Runs a command to completion; its exit code and output. */
function run(command, args, options) {
  return new Promise((done) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => done({ code, output }));
  });
}

/** POST over a keep-alive agent; status 0 when the connection failed. */
function post(agent, url, body) {
  return new Promise((done) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, text }));
      res.on('error', () => done({ status: 0, text: '' }));
    });
    req.on('error', () => done({ status: 0, text: '' }));
    req.end(body);
  });
}

async function startEventServer(env) {
  const port = await freePort();
  const server = spawnPio(['eventserver', '--ip', '127.0.0.1', '--port', String(port), '--stats'], env);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/`);
  return { ...server, url };
}

/** 1. The corpus against both servers. */
async function corpusRun(env, keys, engineDir) {
  const eventServer = await startEventServer(env);
  const port = await freePort();
  const engine = spawnPio(['deploy', '--ip', '127.0.0.1', '--port', String(port), '--', '--driver-memory', `${HEAP_CAP_MB}m`], { ...env, PIO_SERVER_ACCESS_KEY: SERVER_KEY }, engineDir);
  const engineUrl = `http://127.0.0.1:${port}`;
  await waitFor(`${engineUrl}/`, { timeoutMs: 60_000 });
  const servingPid = (await descendantPids(engine.pid)).at(-1) ?? engine.pid;
  const cases = hostileCases().map((c) => resolveCase(c, keys));
  const rss = samplePeakRss(() => ({ event: eventServer.pid, engine: servingPid }));
  const started = performance.now();
  const results = await runCases(cases, (c) => (c.server === 'event' ? eventServer.url : engineUrl), 4);
  const seconds = (performance.now() - started) / 1000;
  const peaks = await rss.stop();
  const alive = { event: eventServer.child.exitCode === null, engine: engine.child.exitCode === null };
  // Correct answers afterwards.
  const known = await post(new Agent(), `${eventServer.url}/events.json?accessKey=${keys.key}`, JSON.stringify({ event: 'known', entityType: 'user', entityId: 'after' }));
  const queried = await post(new Agent(), `${engineUrl}/queries.json`, '{"offset": 1}');
  eventServer.child.kill('SIGKILL');
  for (const pid of [servingPid, engine.pid]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  const summary = (server) => {
    const mine = results.filter((r) => r.case.server === server);
    const count = (predicate) => mine.filter(predicate).length;
    return {
      tried: mine.length,
      '2xx': count((r) => statusClass(r.status) === '2xx'),
      '4xx': count((r) => statusClass(r.status) === '4xx'),
      documented5xx: count((r) => r.status >= 500 && r.case.documented !== undefined),
      unexpected5xx: count((r) => r.status >= 500 && r.case.documented === undefined),
      noAnswer: count((r) => r.status === 0),
      wrongClass: count((r) => statusClass(r.status) !== r.case.expect),
      crashed: alive[server] ? 0 : 1,
      peakRssMb: peaks[server] ?? 0,
    };
  };
  return { seconds, event: summary('event'), engine: summary('engine'), after: { event: known.status, engine: queried.status } };
}

/** 2. PostgreSQL restarts under load, clients with their own eventIds retrying 503s and connection errors. */
async function restartRun(postgres, env, key, table, mode) {
  const server = await startEventServer(env);
  const agent = new Agent({ keepAlive: true, maxSockets: config.clients });
  const url = `${server.url}/events.json?accessKey=${key}`;
  const acknowledged = new Set();
  let tried = 0;
  let unavailable = 0;
  let connectionErrors = 0;
  const other = [];
  let running = true;
  let sequence = 0;
  // At most 32 characters with the sequence number: `immediate-<ms since 1970>-<n>`.
  const prefix = `${mode}-${Date.now()}-`;
  const client = async () => {
    while (running) {
      const eventId = `${prefix}${sequence++}`;
      const body = JSON.stringify({ eventId, event: 'restart', entityType: 'user', entityId: eventId });
      for (;;) {
        tried++;
        const response = await post(agent, url, body);
        if (response.status === 201) {
          acknowledged.add(eventId);
          break;
        }
        if (response.status === 503) unavailable++;
        else if (response.status === 0) connectionErrors++;
        else other.push(`${response.status} ${response.text.slice(0, 100)}`);
        await sleep(20);
      }
    }
  };
  const clients = Array.from({ length: config.clients }, client);
  await sleep(500);
  for (let i = 0; i < config.restartsPerMode; i++) {
    await postgres.restart(mode, 300);
    await sleep(700);
  }
  running = false;
  await Promise.all(clients);
  agent.destroy();
  const crashed = server.child.exitCode !== null;
  server.child.kill('SIGKILL');
  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  // Each event's entityId is its eventId: more rows than entity ids would be an event stored twice.
  const { rows } = await db.query(`SELECT count(*)::int AS rows, count(DISTINCT entityid)::int AS distinct_events FROM ${table} WHERE event = 'restart' AND entityid LIKE $1`, [`${prefix}%`]);
  const stored = await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = ANY($1)`, [[...acknowledged]]);
  await db.end();
  return {
    mode,
    restarts: config.restartsPerMode,
    tried,
    acknowledged: acknowledged.size,
    stored: stored.rows[0].n,
    duplicates: rows[0].rows - rows[0].distinct_events,
    unavailable,
    connectionErrors,
    other: other.length,
    crashed,
  };
}

/** 3. SIGTERM under load: every acknowledged event stored, exit within 10 s. */
async function sigtermRun(env, key, table) {
  const server = await startEventServer(env);
  const agent = new Agent({ keepAlive: true, maxSockets: config.clients });
  const url = `${server.url}/events.json?accessKey=${key}`;
  const acknowledged = [];
  let running = true;
  let tried = 0;
  let unexpected = 0;
  const client = async () => {
    while (running) {
      tried++;
      const response = await post(agent, url, JSON.stringify({ event: 'sigterm', entityType: 'user', entityId: `s${tried}` }));
      if (response.status === 201) acknowledged.push(/** @type {{ eventId: string }} */ (JSON.parse(response.text)).eventId);
      else if (response.status === 0) running = false;
      else if (response.status !== 503) unexpected++;
    }
  };
  const clients = Array.from({ length: config.clients }, client);
  await sleep(400);
  const signalled = performance.now();
  server.child.kill('SIGTERM');
  const exit = await Promise.race([server.exited, sleep(15_000).then(() => undefined)]);
  const exitMs = performance.now() - signalled;
  running = false;
  await Promise.all(clients);
  agent.destroy();
  if (exit === undefined) server.child.kill('SIGKILL');
  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  const stored = (await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = ANY($1)`, [acknowledged])).rows[0].n;
  await db.end();
  return { tried, acknowledged: acknowledged.length, stored, unexpected, exitMs, exitCode: exit?.code ?? null };
}

/** 4. Two `pio-deploy release` runs of one app at once, on a database of their own. */
async function releaseRun(postgres, index, workDir) {
  const database = `release_${index}`;
  await postgres.createDatabase(database);
  const dir = join(workDir, `release-${index}`);
  const appDir = join(dir, 'app');
  await mkdir(join(appDir, 'data'), { recursive: true });
  const lines = Array.from({ length: config.releaseEvents }, (_, i) =>
    JSON.stringify({ event: 'rate', entityType: 'user', entityId: `u${i % 1000}`, targetEntityType: 'item', targetEntityId: `i${i}`, properties: { rating: (i % 5) + 1 }, eventTime: '2024-01-01T00:00:00.000Z' }),
  );
  await writeFile(join(appDir, 'data', 'initial-events.json'), `${lines.join('\n')}\n`);
  await mkdir(join(dir, 'bin'));
  await writeFile(join(dir, 'bin', 'pio'), `#!/usr/bin/env bash\nexec ${PIO} "$@"\n`, { mode: 0o755 });
  await mkdir(join(dir, 'home'));
  const env = {
    PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: join(dir, 'home'),
    PIO_HOME: join(dir, 'home', '.pio'),
    DATABASE_URL: postgres.urlOf(database),
    PIO_POSTGRES_OPTIONAL_SSL: 'true',
    PIO_EVENTSERVER_APP_NAME: 'concurrent',
    PIO_EVENTSERVER_ACCESS_KEY: `releaseKey${index}_0123456789abcdefghijklmnopqrstuvwxyz`,
    PIO_MEMORY_LIMIT: '1g',
  };
  const releases = await Promise.all([0, 1].map(() => run(PIO_DEPLOY, ['release', '--app-dir', appDir], { env, cwd: appDir })));
  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  const appId = (await db.query("SELECT id FROM pio_meta_apps WHERE name = 'concurrent'")).rows[0]?.id;
  const rows = appId === undefined ? 0 : (await db.query(`SELECT count(*)::int AS n FROM pio_event_${appId}`)).rows[0].n;
  await db.end();
  const output = releases.map((r) => r.output).join('\n');
  return {
    exitCodes: releases.map((r) => r.code),
    imports: (output.match(/Importing initial events/g) ?? []).length,
    waited: output.includes('Waiting for the other release'),
    rows,
  };
}

async function main() {
  const startedAt = new Date();
  const loadStart = loadavg()[0];
  const workDir = await mkdtemp(join(tmpdir(), 'pio-reliability-'));
  const postgres = await startBenchPostgres({ persistent: true });
  try {
    await postgres.createDatabase('reliability');
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: workDir,
      PIO_HOME: join(workDir, '.pio'),
      DATABASE_URL: postgres.urlOf('reliability'),
      PIO_POSTGRES_OPTIONAL_SSL: 'true',
    };
    const storage = await openStorage(resolveStorageSettings(env));
    const newApp = async (name) => {
      const appId = await storage.apps.insert({ name });
      await storage.events.init({ appId });
      return { appId, key: await storage.accessKeys.insert({ appId, events: [] }), table: storage.events.tableName({ appId }) };
    };
    const engineApp = await newApp('MeanApp');
    await storage.events.insertBatch(
      { appId: engineApp.appId },
      [1, 2, 3].map((value, i) => ({ event: 'observe', entityType: 'sensor', entityId: `s${i}`, properties: { value }, eventTime: new Date(Date.UTC(2024, 0, 1) + i) })),
    );
    const app = await newApp('reliability');
    await storage.close();
    const engineDir = join(workDir, 'engine');
    await cp(FIXTURE_ENGINE, engineDir, { recursive: true });
    const trained = await run(PIO, ['train'], { env, cwd: engineDir });
    if (trained.code !== 0) throw new Error(`pio train failed:\n${trained.output}`);

    log('hostile corpus');
    const corpus = await corpusRun(env, { key: app.key, serverKey: SERVER_KEY }, engineDir);
    log('PostgreSQL restarts');
    const restarts = [];
    for (const mode of ['fast', 'immediate']) restarts.push(await restartRun(postgres, env, app.key, app.table, mode));
    log('SIGTERM runs');
    const sigterms = [];
    for (let i = 0; i < config.sigtermRuns; i++) sigterms.push(await sigtermRun(env, app.key, app.table));
    log('concurrent releases');
    const releases = [];
    for (let i = 0; i < config.releaseRuns; i++) releases.push(await releaseRun(postgres, i, workDir));

    const lines = report({ startedAt, loadStart, corpus, restarts, sigterms, releases });
    console.log(lines.join('\n'));
    if (write) await writeBenchmarkSection(ROOT, 'reliability', lines);
  } finally {
    await postgres.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

function report({ startedAt, loadStart, corpus, restarts, sigterms, releases }) {
  const mb = (value) => `${value.toFixed(0)} MB`;
  const corpusRows = [['Server', 'Requests tried', '2xx', '4xx', 'Documented 500', 'Unexpected 5xx', 'No answer', 'Wrong class', 'Crashes', 'Peak RSS', 'Answers correctly after']];
  for (const [name, label, bound] of [['event', 'Event Server (`pio eventserver`)', 'bound 150 MB'], ['engine', `engine server (\`pio deploy\`, heap cap ${HEAP_CAP_MB} MB)`, `bound ${HEAP_CAP_MB} MB`]]) {
    const s = corpus[name];
    corpusRows.push([label, String(s.tried), String(s['2xx']), String(s['4xx']), String(s.documented5xx), String(s.unexpected5xx), String(s.noAnswer), String(s.wrongClass), String(s.crashed), `${mb(s.peakRssMb)} (${bound})`, corpus.after[name] === 201 || corpus.after[name] === 200 ? `yes (${corpus.after[name]})` : `no (${corpus.after[name]})`]);
  }
  const restartRows = [['Shutdown mode', 'Restarts', 'Requests tried', '503 answers', 'Connection errors', 'Other answers', 'Events acknowledged', 'Acknowledged and stored', 'Duplicates', 'Event Server crashed']];
  for (const r of restarts) {
    restartRows.push([r.mode === 'fast' ? 'fast (SIGINT)' : 'immediate (SIGQUIT)', String(r.restarts), String(r.tried), String(r.unavailable), String(r.connectionErrors), String(r.other), String(r.acknowledged), String(r.stored), String(r.duplicates), r.crashed ? 'yes' : 'no']);
  }
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  const exits = sigterms.map((s) => s.exitMs).sort((a, b) => a - b);
  const sigtermRows = [
    ['Runs', 'Requests tried', 'Acknowledged', 'Acknowledged and stored', 'Other than 201/503/refused', 'Exit code 0', 'Exit time median / max'],
    [String(sigterms.length), String(sum(sigterms.map((s) => s.tried))), String(sum(sigterms.map((s) => s.acknowledged))), String(sum(sigterms.map((s) => s.stored))), String(sum(sigterms.map((s) => s.unexpected))), `${sigterms.filter((s) => s.exitCode === 0).length} of ${sigterms.length}`, `${exits[Math.floor(exits.length / 2)].toFixed(0)} ms / ${exits.at(-1).toFixed(0)} ms`],
  ];
  const releaseRows = [['Run', 'Releases at once', 'Exit codes', 'Imports of the initial data', 'Second waited for the first', 'Events stored']];
  releases.forEach((r, i) => releaseRows.push([String(i + 1), '2', r.exitCodes.join(', '), String(r.imports), r.waited ? 'yes' : 'no', `${r.rows} of ${config.releaseEvents}`]));
  return [
    '## Reliability',
    '',
    `Measured by \`node bench/reliability/run.mjs\` (after \`npm run build\`) on ${startedAt.toISOString().slice(0, 10)}, ${machineSummary()}, load average ${loadStart.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end (other work shares the machine). Loopback only, an embedded PostgreSQL of its own.`,
    '',
    `**Hostile corpus** (\`bench/reliability/corpus.mjs\`, also run by \`test/hostile/corpus.test.ts\`): every route of both servers, 4 requests in flight, ${corpus.seconds.toFixed(1)} s. "Documented 500" are upstream's own 500s that BEHAVIOUR.md lists (\`reversed\` without the entity, a MailChimp form without \`data[id]\`); "wrong class" counts answers outside the class the case expects.`,
    '',
    markdownTable(corpusRows),
    '',
    `**PostgreSQL restarts under load**: ${config.clients} clients, each event sent with its own \`eventId\` until acknowledged (retrying every 503 and connection error after 20 ms); PostgreSQL down 300 ms per restart, 700 ms between restarts, the same Event Server process throughout.`,
    '',
    markdownTable(restartRows),
    '',
    `**SIGTERM under load**: a fresh Event Server per run, ${config.clients} clients posting events, SIGTERM after 400 ms; acknowledged means answered 201 with an eventId. The clients keep sending on their kept-alive connections until one is refused, so the server keeps answering them until its drain time and exits then.`,
    '',
    markdownTable(sigtermRows),
    '',
    `**Concurrent releases**: two \`pio-deploy release\` of one event-server app started together, ${config.releaseEvents.toLocaleString('en-US')} initial events, a fresh database per run.`,
    '',
    markdownTable(releaseRows),
  ];
}

await main();
