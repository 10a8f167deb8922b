import { fstatSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Process liveness and process-group control. Every dyno runs in its own process group, so a signal to
 * the group reaches the whole tree (bash, the app, the app's children). Zombies count as gone: where
 * PID 1 does not reap orphans (some containers), a killed grandchild stays a zombie forever although
 * it no longer runs.
 */

interface ProcStat {
  state: string;
  pgid: number;
}

function readProcStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces or parentheses: split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

const hasProc = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

function signalExists(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while `pid` is a running (not zombie) process. */
export function isRunning(pid: number): boolean {
  if (!signalExists(pid)) return false;
  if (!hasProc) return true;
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** Running members of process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  if (!signalExists(-pgid)) return [];
  if (!hasProc) return [pgid];
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat && stat.pgid === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(Number(entry));
  }
  return members;
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export async function waitFor(condition: () => boolean, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/**
 * Stops a whole process group the way Heroku stops a dyno: SIGTERM, then SIGKILL after `graceMs`.
 * Resolves once no member runs; false if something survived even SIGKILL (never seen in practice).
 */
export async function stopGroup(pgid: number, graceMs: number): Promise<boolean> {
  if (groupMembers(pgid).length === 0) return true;
  signalGroup(pgid, 'SIGTERM');
  if (await waitFor(() => groupMembers(pgid).length === 0, graceMs)) return true;
  signalGroup(pgid, 'SIGKILL');
  return waitFor(() => groupMembers(pgid).length === 0, 5_000);
}

/** Stops a single process (not a group): SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(pid: number, graceMs: number): Promise<boolean> {
  if (!isRunning(pid)) return true;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return !isRunning(pid);
  }
  if (await waitFor(() => !isRunning(pid), graceMs)) return true;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  return waitFor(() => !isRunning(pid), 5_000);
}

/**
 * Set (to `1`) in the environment of a child whose stdin is a pipe from its parent that the parent
 * never writes to: the pipe's end means the parent died. Linux offers Node no PR_SET_PDEATHSIG, and a
 * pipe beats polling the parent's pid: the kernel closes it the instant the parent dies, by whatever
 * signal, it survives `exec` and launcher shells, and there is no pid reuse to guess around.
 */
export const PARENT_PIPE_VARIABLE = 'PIO_DEPLOY_PARENT_PIPE';

/**
 * The child's half of the parent pipe: when `env` says stdin is such a pipe (and it is one),
 * `onParentGone` runs once at its end. Does nothing otherwise (stdin then belongs to the command). The
 * variable is removed from `env`, so the child's own children (which may get other stdins) do not
 * inherit a promise about their stdin that is not true. The watch never keeps the process alive.
 */
export function stopWhenParentDies(env: NodeJS.ProcessEnv, onParentGone: () => void): void {
  if (env[PARENT_PIPE_VARIABLE] !== '1') return;
  delete env[PARENT_PIPE_VARIABLE];
  if (!stdinIsPipe()) return;
  const stdin = process.stdin;
  let gone = false;
  const once = () => {
    if (gone) return;
    gone = true;
    onParentGone();
  };
  stdin.on('end', once);
  stdin.on('error', once);
  stdin.on('close', once);
  stdin.resume();
  (stdin as { unref?: () => void }).unref?.();
}

/** A pipe, or the socket pair Node's `spawn` uses for a piped stdio. */
function stdinIsPipe(): boolean {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}
