import { execa } from 'execa';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { lineTransform } from '../lib/child-output.js';
import { redactSecrets } from '../lib/redact.js';
import { UserError } from '../lib/errors.js';
import { DISTRIBUTION_DIR } from '../distributions/install.js';
import { isExecutable } from '../lib/fs-checks.js';
import { DETAIL_PREFIX } from '../lib/output.js';

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
}

export interface ChildResult {
  exitCode: number;
  stdout: string;
}

/**
 * Runs pio (or a data hook) without a shell. stdout/stderr stream through line by line with secrets masked;
 * SIGTERM/SIGINT received by pio-deploy are forwarded to the child, and the child's status becomes
 * ours (128 + signal number when it died of a signal, as a shell would report).
 */
export async function runChild(run: ChildRun): Promise<ChildResult> {
  const child = execa(run.command, run.argv, {
    cwd: run.cwd,
    env: run.env,
    extendEnv: false,
    stdin: 'inherit',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
  });
  const chunks: Buffer[] = [];
  if (run.capture) child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const prefix = run.indent ? DETAIL_PREFIX : '';
  const outputs = [
    { from: child.stdout, to: process.stdout },
    { from: child.stderr, to: process.stderr },
  ].map(({ from, to }) => {
    // Line-buffered, so a secret split across two chunks is still masked.
    const lines = lineTransform({ prefix, redact: (line) => redactLine(line, run.secrets), onLine: run.onLine });
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
    return { exitCode: statusOf(result.exitCode, result.signal), stdout: Buffer.concat(chunks).toString('utf8') };
  } finally {
    process.off('SIGTERM', forward);
    process.off('SIGINT', forward);
  }
}

function statusOf(exitCode: number | undefined, signal: string | undefined): number {
  if (exitCode !== undefined) return exitCode;
  const number = signal ? osConstants.signals[signal as NodeJS.Signals] : undefined;
  return number ? 128 + number : 1;
}

/** Access keys printed by `pio app new/show/list` are hidden even when they are not ours. */
const ACCESS_KEY_LINE = /(Access Key(?:\(s\))?:\s*)([A-Za-z0-9_-]{8,})/g;

export function redactLine(line: string, secrets: readonly string[]): string {
  return redactSecrets(line, secrets).replace(ACCESS_KEY_LINE, '$1********');
}
