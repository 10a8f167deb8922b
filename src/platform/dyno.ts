import { spawn } from 'node:child_process';
import { readLines } from '../lib/child-output.js';
import { groupMembers, stopGroup } from '../lib/process-tree.js';

/**
 * Runs a Procfile command the way a dyno does: bash in the slug dir with HOME = slug dir, every
 * `.profile.d/*.sh` sourced (then `.profile`) in the same shell, then the command with `bash -c`
 * semantics so `$PORT` and config vars expand.
 */
const DYNO_SCRIPT = `__dyno_command="$1"
for __profile in "$HOME"/.profile.d/*.sh; do
  if [ -f "$__profile" ]; then . "$__profile"; fi
done
unset __profile
if [ -f "$HOME/.profile" ]; then . "$HOME/.profile"; fi
eval "$__dyno_command"`;

export type LineSink = (line: string, stream: 'stdout' | 'stderr') => void;

export interface DynoSpec {
  /** `web.1` or `release` (becomes $DYNO). */
  name: string;
  command: string;
  slugDir: string;
  /** The release's environment; `dynoEnvironment` adds what the platform sets. */
  env: Record<string, string>;
  /** The port a web dyno binds ($PORT). */
  port?: number;
  sink: LineSink;
}

export interface DynoExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Dyno {
  name: string;
  /** Pid of the dyno's bash, which is also its process group id. */
  pid: number;
  exited: Promise<DynoExit>;
  /** True until the dyno's bash has exited. */
  isRunning(): boolean;
  /** Running processes of the dyno's tree (its process group). */
  members(): number[];
  /** SIGTERM to the whole tree, SIGKILL after `graceMs`; resolves when nothing of it runs. */
  stop(graceMs: number): Promise<void>;
}

/**
 * The one environment of a dyno: the release's environment (base variables, config vars, database),
 * then what the platform sets for this dyno: HOME = slug dir, DYNO, and PORT for a web dyno.
 */
export function dynoEnvironment(
  releaseEnv: Record<string, string>,
  dyno: { name: string; slugDir: string; port?: number },
): Record<string, string> {
  const env: Record<string, string> = { ...releaseEnv, HOME: dyno.slugDir, DYNO: dyno.name };
  if (dyno.port !== undefined) env.PORT = String(dyno.port);
  return env;
}

export function startDyno(spec: DynoSpec): Dyno {
  const child = spawn('bash', ['-c', DYNO_SCRIPT, spec.name, spec.command], {
    cwd: spec.slugDir,
    env: dynoEnvironment(spec.env, spec),
    // Own process group, so one signal reaches the whole tree and a terminal's Ctrl-C does not (the
    // platform forwards it and controls the order of shutdown).
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let running = true;
  const exited = new Promise<DynoExit>((resolve) => {
    child.once('error', (error) => {
      running = false;
      spec.sink(`failed to start: ${error.message}`, 'stderr');
      resolve({ code: 127, signal: null });
    });
    child.once('exit', (code, signal) => {
      running = false;
      // Let the last output lines through, but do not wait for a daemonised grandchild holding the pipes.
      const resolveNow = () => resolve({ code, signal });
      const timer = setTimeout(resolveNow, 1_000);
      timer.unref();
      child.once('close', () => {
        clearTimeout(timer);
        resolveNow();
      });
    });
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    readLines(child[stream], (line) => spec.sink(line, stream));
  }
  const pid = child.pid ?? -1;
  return {
    name: spec.name,
    pid,
    exited,
    isRunning: () => running,
    members: () => (pid > 0 ? groupMembers(pid) : []),
    async stop(graceMs) {
      if (pid > 0) await stopGroup(pid, graceMs);
      await exited;
    },
  };
}
