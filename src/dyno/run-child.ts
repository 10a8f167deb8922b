import { execa } from 'execa';
import { basename, delimiter, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { describeChildDeath, exitStatusOf, HEAP_OUT_OF_MEMORY } from '../lib/child-exit.js';
import { lineTransform } from '../lib/child-output.js';
import { PARENT_PIPE_VARIABLE } from '../lib/process-tree.js';
import { redactSecrets } from '../lib/redact.js';
import { UserError } from '../lib/errors.js';
import { DISTRIBUTION_DIR } from '../distributions/install.js';
import { isExecutable } from '../lib/fs-checks.js';
import { DETAIL_PREFIX, ERROR_PREFIX } from '../lib/output.js';

/** `<app>/PredictionIO-dist/bin/pio`, else `pio` on PATH. */
export async function findPio(appDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const bundled = join(appDir, DISTRIBUTION_DIR, 'bin', 'pio');
  if (await isExecutable(bundled)) return bundled;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'pio');
    if (await isExecutable(candidate)) return candidate;
  }
  throw new UserError(`No pio found: ${bundled} does not exist and there is no pio on PATH.`, {
    hint: 'Build the app first (git push, or pio-deploy compile) so PredictionIO-dist is installed.',
  });
}

export interface ChildRun {
  /** Executable path (pio, or a data hook); run directly, never through a shell. */
  command: string;
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Values hidden from the child's output (passwords, access keys). */
  secrets: readonly string[];
  /** Indent child output 7 spaces (release phase), or pass lines through unchanged (web logs). */
  indent?: boolean;
  /** Keep stdout in memory (small outputs such as `pio app show`). */
  capture?: boolean;
  /** Print the child's output (default); false for probes whose failure is an expected answer. */
  echo?: boolean;
  /** Sees every output line (stdout and stderr, secrets already masked), e.g. to recognise an error. */
  onLine?: (line: string) => void;
  /**
   * The child understands the parent pipe (`stopWhenParentDies`, the native pio does): its stdin is a
   * pipe pio-deploy never writes to, whose end tells it pio-deploy died, so a SIGKILLed pio-deploy leaves
   * no pio running. Other children (data hooks, the Apache launcher) keep our stdin.
   */
  stopWithParent?: boolean;
}

export interface ChildResult {
  exitCode: number;
  stdout: string;
  /** The signal the child died of, if it did. */
  signal?: string | undefined;
}

/** The setting that sizes pio's memory (the Spark driver memory is derived from it). */
const MEMORY_SETTING = 'PIO_MEMORY_LIMIT';

/**
 * Runs pio (or a data hook) without a shell. stdout/stderr stream through line by line with secrets masked;
 * SIGTERM/SIGINT received by pio-deploy are forwarded to the child, and the child's status becomes
 * ours (128 + signal number when it died of a signal, as a shell would report). A death that status
 * would not explain (SIGKILL, V8's heap limit) gets one line saying what it probably was and what to change.
 */
export async function runChild(run: ChildRun): Promise<ChildResult> {
  const child = execa(run.command, run.argv, {
    cwd: run.cwd,
    env: run.stopWithParent ? { ...run.env, [PARENT_PIPE_VARIABLE]: '1' } : run.env,
    extendEnv: false,
    stdin: run.stopWithParent ? 'pipe' : 'inherit',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
  });
  // Never written to: only its end (our death) matters. A child that exits first must not crash us with EPIPE.
  child.stdin?.on('error', () => undefined);
  let heapOutOfMemory = false;
  const onLine = (line: string) => {
    if (HEAP_OUT_OF_MEMORY.test(line)) heapOutOfMemory = true;
    run.onLine?.(line);
  };
  const chunks: Buffer[] = [];
  if (run.capture) child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const prefix = run.indent ? DETAIL_PREFIX : '';
  const outputs = [
    { from: child.stdout, to: process.stdout },
    { from: child.stderr, to: process.stderr },
  ].map(({ from, to }) => {
    // Line-buffered, so a secret split across two chunks is still masked.
    const lines = lineTransform({ prefix, redact: (line) => redactLine(line, run.secrets), onLine });
    from?.pipe(lines);
    if (run.echo === false) lines.resume();
    else lines.pipe(to, { end: false });
    return finished(lines);
  });

  const forward = (signal: NodeJS.Signals) => {
    child.kill(signal);
  };
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  try {
    const result = await child;
    // Let the last lines reach our stdout/stderr before the caller prints anything after them.
    await Promise.all(outputs);
    const name = basename(run.command) === 'pio' && run.argv[0] ? `pio ${run.argv[0]}` : basename(run.command);
    const exitCode = exitStatusOf(result.exitCode, result.signal);
    const reason =
      exitCode === 0 ? undefined : describeChildDeath({ name, signal: result.signal, heapOutOfMemory, memorySetting: MEMORY_SETTING });
    if (reason) process.stderr.write(`${ERROR_PREFIX}${reason}\n`);
    return {
      exitCode,
      stdout: Buffer.concat(chunks).toString('utf8'),
      signal: result.signal,
    };
  } finally {
    child.stdin?.destroy();
    process.off('SIGTERM', forward);
    process.off('SIGINT', forward);
  }
}

/** Access keys printed by `pio app new/show/list` are hidden even when they are not ours. */
const ACCESS_KEY_LINE = /(Access Key(?:\(s\))?:\s*)([A-Za-z0-9_-]{8,})/g;

export function redactLine(line: string, secrets: readonly string[]): string {
  return redactSecrets(line, secrets).replace(ACCESS_KEY_LINE, '$1********');
}
