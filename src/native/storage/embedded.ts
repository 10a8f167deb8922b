import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { chmod, chown, link, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { z } from 'zod';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { lastLines } from '../../lib/child-output.js';

const execFileAsync = promisify(execFile);

/**
 * The embedded PostgreSQL shared by every `pio` process on the machine. Its data lives in
 * `$PIO_HOME/pgdata`; `$PIO_HOME/embedded-postgres.json` (mode 0600) records port, credentials and pid.
 * The first process to need it initialises and starts it (under a lock file), later processes just
 * connect. The postmaster runs detached, so it outlives the process that started it; `pio-deploy` stops
 * it with `stopEmbeddedPostgres`.
 */

const STATE_FILE = 'embedded-postgres.json';
const LOCK_FILE = 'embedded-postgres.lock';
const LOG_FILE = 'embedded-postgres.log';
const DATA_DIR = 'pgdata';
const USER = 'pio';
const DATABASE = 'pio';
const HOST = '127.0.0.1';
const OS_USER = 'postgres';

const stateSchema = z.object({
  port: z.number().int().min(0).max(65_535),
  user: z.string(),
  password: z.string(),
  database: z.string(),
  databaseCreated: z.boolean().default(false),
  pid: z.number().int().optional(),
});
type State = z.infer<typeof stateSchema>;

export interface EmbeddedConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Postmaster pid. */
  pid: number | undefined;
  /** true when this call started the server (false: reused a running one). */
  started: boolean;
  /** true when this call also initialised the data directory. */
  initialised: boolean;
}

export interface EmbeddedStatus {
  dataDir: string;
  initialised: boolean;
  running: boolean;
  port?: number | undefined;
  pid?: number | undefined;
  /** PostgreSQL major version of the data directory (`PG_VERSION`). */
  version?: string | undefined;
}

export interface EmbeddedOptions {
  pioHome: string;
  /** Progress lines for people ("Initialising…"); no secrets. */
  log?: ((line: string) => void) | undefined;
  /** How long to wait for the lock and for the server to accept connections (default 120 s). */
  timeoutMs?: number | undefined;
}

const paths = (pioHome: string) => ({
  dataDir: join(pioHome, DATA_DIR),
  state: join(pioHome, STATE_FILE),
  lock: join(pioHome, LOCK_FILE),
  log: join(pioHome, LOG_FILE),
});

/** Returns a connection to the embedded server, starting (and on first use initialising) it if needed. */
export async function ensureEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedConnection> {
  const { pioHome } = options;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const reused = await tryReuse(pioHome);
  if (reused) return reused;

  await mkdir(pioHome, { recursive: true });
  const release = await acquireLock(paths(pioHome).lock, timeoutMs);
  try {
    // Another process may have started it while we waited for the lock.
    const afterLock = await tryReuse(pioHome);
    if (afterLock) return afterLock;
    return await startLocked(options, timeoutMs);
  } finally {
    await release();
  }
}

/** Stops the embedded server (fast shutdown). Returns false when it was not running. */
export async function stopEmbeddedPostgres(pioHome: string, options: { timeoutMs?: number } = {}): Promise<boolean> {
  const p = paths(pioHome);
  const pid = await livePostmasterPid(p.dataDir);
  if (pid === undefined) return false;
  const release = await acquireLock(p.lock, options.timeoutMs ?? 60_000);
  try {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      return false;
    }
    await waitFor(() => !isAlive(pid), options.timeoutMs ?? 60_000, 'the embedded PostgreSQL to stop');
    const state = await readState(p.state);
    if (state) await writeState(p.state, { ...state, pid: undefined });
    return true;
  } finally {
    await release();
  }
}

export async function embeddedPostgresStatus(pioHome: string): Promise<EmbeddedStatus> {
  const p = paths(pioHome);
  const version = await readFile(join(p.dataDir, 'PG_VERSION'), 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
  const postmaster = await readPostmasterPid(p.dataDir);
  const running = postmaster !== undefined && isAlive(postmaster.pid);
  return {
    dataDir: p.dataDir,
    initialised: version !== undefined,
    running,
    port: running ? postmaster.port : undefined,
    pid: running ? postmaster.pid : undefined,
    version,
  };
}

/** Where the embedded server last listened, from the state file (no connection attempt). */
export async function embeddedTarget(pioHome: string): Promise<{ host: string; port: number } | undefined> {
  const state = await readState(paths(pioHome).state);
  return state && state.port !== 0 ? { host: HOST, port: state.port } : undefined;
}

// ---------------------------------------------------------------------------------------------------

/**
 * The reuse path every `pio` command takes, so it must be cheap: the postmaster recorded in the data
 * directory is alive, listens on the recorded port and accepts a TCP connection. No authenticated
 * session here (that costs a backend fork and SCRAM); the caller's pool opens the real connections.
 */
async function tryReuse(pioHome: string): Promise<EmbeddedConnection | undefined> {
  const p = paths(pioHome);
  const [state, postmaster] = await Promise.all([readState(p.state), readPostmasterPid(p.dataDir)]);
  if (!state || !state.databaseCreated || state.port === 0) return undefined;
  if (!postmaster || postmaster.port !== state.port || !isAlive(postmaster.pid)) return undefined;
  if (!(await acceptsTcp(state.port, 2_000))) return undefined;
  return { host: HOST, ...pick(state), pid: postmaster.pid, started: false, initialised: false };
}

function acceptsTcp(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function startLocked(options: EmbeddedOptions, timeoutMs: number): Promise<EmbeddedConnection> {
  const p = paths(options.pioHome);
  const log = options.log ?? (() => {});
  const binaries = await postgresBinaries();
  const owner = await serverOwner();

  let state = await readState(p.state);
  let initialised = false;
  const version = await readFile(join(p.dataDir, 'PG_VERSION'), 'utf8').catch(() => undefined);
  if (version !== undefined && !state) {
    throw new Error(
      `The embedded PostgreSQL in ${p.dataDir} exists but its state file ${p.state} is missing or unreadable, so its password is unknown. Restore the file, or remove ${p.dataDir} to start over with an empty database.`,
    );
  }
  if (version === undefined || !state) {
    log(`Initialising the embedded PostgreSQL in ${p.dataDir}...`);
    state = await initialiseDataDir(p, binaries.initdb, owner);
    initialised = true;
  }

  // A postmaster may still be running (state file lost, or it is starting up): use it.
  const running = await readPostmasterPid(p.dataDir);
  if (running && isAlive(running.pid)) {
    state = { ...state, port: running.port, pid: running.pid };
    await waitFor(() => answers(state!, 1_000), timeoutMs, 'the embedded PostgreSQL to accept connections');
  } else {
    log('Starting the embedded PostgreSQL...');
    const port = (await isPortFree(state.port)) ? state.port : await freePort();
    const pid = await spawnPostmaster(binaries.postgres, p, port, owner, { ...state, port }, timeoutMs);
    state = { ...state, port, pid };
  }

  if (!state.databaseCreated) {
    await createDatabase(state);
    state = { ...state, databaseCreated: true };
  }
  await writeState(p.state, state);
  return { host: HOST, ...pick(state), pid: state.pid, started: true, initialised };
}

function pick(state: State) {
  return { port: state.port, user: state.user, password: state.password, database: state.database };
}

interface Owner {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` OS user (created if missing). */
async function serverOwner(): Promise<Owner | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async () => {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', OS_USER]).then((r) => Number.parseInt(r.stdout, 10)),
      execFileAsync('id', ['-g', OS_USER]).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return { uid, gid };
  };
  try {
    return await lookup();
  } catch {
    await execFileAsync('groupadd', ['-f', OS_USER]).catch(() => undefined);
    await execFileAsync('useradd', ['-g', OS_USER, '-M', '-s', '/usr/sbin/nologin', OS_USER]).catch(() => undefined);
    return lookup();
  }
}

/**
 * Initialises into a temp directory and renames it into place, so a crash never leaves a half-made data
 * directory. The state file (with the new password) is written before the rename.
 */
async function initialiseDataDir(p: ReturnType<typeof paths>, initdb: string, owner: Owner | undefined): Promise<State> {
  const password = randomBytes(24).toString('base64url');
  const parent = dirname(p.dataDir);
  await mkdir(parent, { recursive: true });
  if (owner) await ensureTraversable(parent);
  const temp = await mkdtemp(join(parent, `.${DATA_DIR}.init-`));
  const secrets = await mkdtemp(join(tmpdir(), 'pio-pg-init-'));
  try {
    const pwfile = join(secrets, 'pw');
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (owner) {
      await chown(temp, owner.uid, owner.gid);
      await chown(secrets, owner.uid, owner.gid);
      await chown(pwfile, owner.uid, owner.gid);
    }
    await chmod(temp, 0o700);
    await run(
      initdb,
      [
        `--pgdata=${temp}`,
        '--auth=scram-sha-256',
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
        // The data directory is new and empty: skipping the final fsync of initdb's files saves seconds;
        // the server fsyncs everything it writes from then on.
        '--no-sync',
        '--no-instructions',
      ],
      owner,
    );
    const state: State = { port: 0, user: USER, password, database: DATABASE, databaseCreated: false };
    await writeState(p.state, state);
    await rm(p.dataDir, { recursive: true, force: true });
    await rename(temp, p.dataDir);
    return state;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(secrets, { recursive: true, force: true });
  }
}

/** The `postgres` user must be able to walk down to the data directory (e.g. `/root` is 0700). */
async function ensureTraversable(dir: string): Promise<void> {
  let current = dir;
  for (;;) {
    const info = await stat(current);
    if ((info.mode & 0o001) === 0) await chmod(current, (info.mode & 0o7777) | 0o001);
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

async function spawnPostmaster(
  postgres: string,
  p: ReturnType<typeof paths>,
  port: number,
  owner: Owner | undefined,
  state: State,
  timeoutMs: number,
): Promise<number> {
  const logFd = openSync(p.log, 'a', 0o600);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let pid: number | undefined;
  try {
    const child = spawn(
      postgres,
      [
        '-D', p.dataDir,
        '-p', String(port),
        '-c', `listen_addresses=${HOST}`,
        '-c', 'unix_socket_directories=',
        '-c', 'max_connections=200',
        '-c', 'timezone=UTC',
      ],
      {
        detached: true,
        stdio: ['ignore', logFd, logFd],
        ...(owner ?? {}),
        env: { ...process.env, LC_MESSAGES: 'C' },
      },
    );
    pid = child.pid;
    child.on('exit', (code, signal) => {
      exited = { code, signal };
    });
    child.unref();
  } finally {
    closeSync(logFd);
  }
  await waitFor(
    async () => {
      if (exited) {
        const tail = await readFile(p.log, 'utf8').then((text) => lastLines(text, 8), () => '');
        throw new Error(
          `The embedded PostgreSQL exited while starting (code ${exited.code ?? exited.signal}). Log ${p.log}:\n${tail}`,
        );
      }
      return answers(state, 1_000);
    },
    timeoutMs,
    'the embedded PostgreSQL to accept connections',
  );
  if (pid === undefined) throw new Error('The embedded PostgreSQL did not start (no pid).');
  return pid;
}

async function createDatabase(state: State): Promise<void> {
  const client = new pg.Client({ host: HOST, port: state.port, user: state.user, password: state.password, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${state.database}`);
  } catch (error) {
    if ((error as { code?: string }).code !== '42P04') throw error; // already exists
  } finally {
    await client.end();
  }
}

async function answers(state: Pick<State, 'port' | 'user' | 'password' | 'database' | 'databaseCreated'>, timeoutMs: number): Promise<boolean> {
  const client = new pg.Client({
    host: HOST,
    port: state.port,
    user: state.user,
    password: state.password,
    database: state.databaseCreated ? state.database : 'postgres',
    connectionTimeoutMillis: timeoutMs,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------------
// Lock file: O_EXCL create; a lock whose holder pid is dead is stale and taken over. PostgreSQL's own
// postmaster.pid check backs this up: two postmasters can never run on one data directory.

async function acquireLock(lockPath: string, timeoutMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  const token = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  for (;;) {
    // Write the token to a private file, then hard-link it into place: the lock appears atomically with
    // its content, so a reader never mistakes a half-written lock for a stale one.
    const candidate = `${lockPath}.${randomBytes(6).toString('hex')}`;
    try {
      await writeFile(candidate, token, { mode: 0o600 });
      await link(candidate, lockPath);
      return async () => {
        const content = await readFile(lockPath, 'utf8').catch(() => undefined);
        if (content === token) await rm(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await rm(candidate, { force: true });
    }
    const holder = await readFile(lockPath, 'utf8').catch(() => undefined);
    const holderPid = holder === undefined ? undefined : Number.parseInt(holder, 10);
    if (holder !== undefined && (!Number.isInteger(holderPid) || !isAlive(holderPid!))) {
      // Stale: move it aside atomically (only one contender wins the rename), then retry.
      const aside = `${lockPath}.stale-${randomBytes(4).toString('hex')}`;
      await rename(lockPath, aside).then(
        async () => {
          const moved = await readFile(aside, 'utf8').catch(() => undefined);
          // We may have moved a fresh lock taken in between: put it back.
          if (moved !== holder) await rename(aside, lockPath).catch(() => undefined);
          else await rm(aside, { force: true });
        },
        () => undefined,
      );
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for the embedded PostgreSQL lock ${lockPath} (held by pid ${holderPid}).`);
    }
    await sleep(25);
  }
}

// ---------------------------------------------------------------------------------------------------

async function readState(path: string): Promise<State | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = stateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function writeState(path: string, state: State): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(state)}\n`, { mode: 0o600 });
}

async function readPostmasterPid(dataDir: string): Promise<{ pid: number; port: number } | undefined> {
  const text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const lines = text.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  return { pid, port };
}

async function livePostmasterPid(dataDir: string): Promise<number | undefined> {
  const postmaster = await readPostmasterPid(dataDir);
  return postmaster && isAlive(postmaster.pid) ? postmaster.pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isPortFree(port: number): Promise<boolean> {
  if (port === 0) return false;
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await sleep(20);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(command: string, args: string[], owner: Owner | undefined): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...(owner ?? {}), env: { ...process.env, LC_MESSAGES: 'C' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} failed (exit ${code}): ${stderr.trim()}`)),
    );
  });
}

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** The binaries shipped by embedded-postgres's platform package (`@embedded-postgres/<os>-<arch>`). */
async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const module = (await import(name)) as Partial<PostgresBinaries>;
    if (!module.initdb || !module.postgres) throw new Error('no binaries exported');
    return { initdb: module.initdb, postgres: module.postgres };
  } catch (error) {
    throw new Error(
      `No embedded PostgreSQL binaries for ${platform()}-${arch()} (package ${name}): ${(error as Error).message}. Set DATABASE_URL to use an external PostgreSQL.`,
      { cause: error },
    );
  }
}
