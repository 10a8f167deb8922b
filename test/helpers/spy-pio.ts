import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shellQuote } from '../../src/config/shell-words.js';

/**
 * A spy `pio` for tests: a bash script that records every call and plays back scripted behaviour.
 *
 * Each call appends one JSON line `{"argv":[...],"env":{...},"cwd":"..."}` to the file named by
 * `$PIO_SPY_LOG` (all exported variables are recorded). Behaviour is chosen by the longest key in
 * `commands` that matches the start of argv (`'app show'` matches `pio app show myapp`); `'*'` is the
 * fallback. A behaviour may be a list: call n of that key plays entry n (the last entry repeats), which
 * lets a test say "`app show` fails until `app new` ran". Counters live next to the log file
 * (`$PIO_SPY_LOG.state/`), so separate logs never share state.
 */
export interface SpyBehaviour {
  /** Exit status of this call (default 0). */
  exitCode?: number;
  /** Lines printed on stdout, in order. */
  stdout?: string[];
  /** Lines printed on stderr, in order. */
  stderr?: string[];
  /** Keep running (after printing) until killed; the signal received is recorded in the log. */
  waitForSignal?: boolean;
}

export interface SpyPioOptions {
  commands?: Record<string, SpyBehaviour | SpyBehaviour[]>;
}

export interface SpyCall {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** Set when the call was ended by a signal it trapped (waitForSignal), e.g. "TERM". */
  signal?: string;
}

/** Writes `<binDir>/pio` (mode 0755) and returns its path. */
export async function writeSpyPio(binDir: string, opts: SpyPioOptions = {}): Promise<string> {
  await mkdir(binDir, { recursive: true });
  const path = join(binDir, 'pio');
  await writeFile(path, renderScript(opts), { mode: 0o755 });
  await chmod(path, 0o755);
  return path;
}

/** Parses a spy log; a missing file means "pio was never called". */
export async function readSpyCalls(logFile: string): Promise<SpyCall[]> {
  let text: string;
  try {
    text = await readFile(logFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const calls: SpyCall[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const record = JSON.parse(line) as SpyCall & { signalOf?: number };
    if (record.signalOf !== undefined) {
      // A signal record refers to an earlier call line by index.
      const target = calls[record.signalOf];
      if (target && record.signal) target.signal = record.signal;
      continue;
    }
    calls.push(record);
  }
  return calls;
}

function renderBehaviour(behaviour: SpyBehaviour): string {
  const lines: string[] = [];
  // Traps first: a test may signal as soon as it sees the first line of output.
  if (behaviour.waitForSignal) {
    lines.push(`trap 'record_signal TERM; exit 143' TERM`, `trap 'record_signal INT; exit 130' INT`);
  }
  for (const line of behaviour.stdout ?? []) lines.push(`printf '%s\\n' ${shellQuote(line)}`);
  for (const line of behaviour.stderr ?? []) lines.push(`printf '%s\\n' ${shellQuote(line)} >&2`);
  if (behaviour.waitForSignal) {
    // sleep in the background + wait, so the trap runs as soon as the signal arrives
    lines.push(`while true; do sleep 1 & wait $!; done`);
  }
  lines.push(`exit ${behaviour.exitCode ?? 0}`);
  return lines.map((line) => `    ${line}`).join('\n');
}

function renderScript(opts: SpyPioOptions): string {
  const entries = Object.entries(opts.commands ?? {})
    .filter(([key]) => key !== '*')
    // Longest key first, so 'app show' wins over 'app'.
    .sort(([a], [b]) => b.split(' ').length - a.split(' ').length || b.length - a.length);
  const fallback = opts.commands?.['*'];

  const branches: string[] = [];
  const addBranch = (condition: string, key: string, behaviour: SpyBehaviour | SpyBehaviour[]) => {
    const list = Array.isArray(behaviour) ? behaviour : [behaviour];
    const cases = list
      .map((item, index) => {
        const pattern = index === list.length - 1 ? '*' : String(index);
        return `  ${pattern})\n${renderBehaviour(item)}\n    ;;`;
      })
      .join('\n');
    branches.push(`if ${condition}; then\n  n=$(next_count ${shellQuote(key)})\n  case "$n" in\n${cases}\n  esac\nfi`);
  };
  for (const [key, behaviour] of entries) {
    const words = key.split(' ').filter(Boolean);
    const condition = words.map((word, i) => `[ "\${ARGS[${i}]:-}" = ${shellQuote(word)} ]`).join(' && ');
    addBranch(condition, key, behaviour);
  }
  if (fallback) addBranch('true', '*', fallback);

  return `#!/usr/bin/env bash
# Spy pio written by test/helpers/spy-pio.ts: records argv/env/cwd, then plays scripted behaviour.
ARGS=("$@")
LOG="\${PIO_SPY_LOG:-/dev/null}"

json_string() {
  local s=$1
  s=\${s//\\\\/\\\\\\\\}
  s=\${s//\\"/\\\\\\"}
  s=\${s//$'\\n'/\\\\n}
  s=\${s//$'\\r'/\\\\r}
  s=\${s//$'\\t'/\\\\t}
  s=\${s//[$'\\001'-$'\\037']/}
  printf '"%s"' "$s"
}

record_call() {
  local line='{"argv":[' sep='' a name
  for a in "\${ARGS[@]}"; do line+="$sep$(json_string "$a")"; sep=','; done
  line+='],"env":{'
  sep=''
  while IFS= read -r name; do
    line+="$sep$(json_string "$name"):$(json_string "\${!name}")"; sep=','
  done < <(compgen -e)
  line+='},"cwd":'"$(json_string "$PWD")"'}'
  if [ "$LOG" != /dev/null ]; then
    mkdir -p "$LOG.state"
    CALL_INDEX=$(cat "$LOG.state/calls" 2>/dev/null || echo 0)
    echo $((CALL_INDEX + 1)) > "$LOG.state/calls"
  fi
  printf '%s\\n' "$line" >> "$LOG"
}

record_signal() {
  printf '{"signalOf":%s,"signal":"%s"}\\n' "\${CALL_INDEX:-0}" "$1" >> "$LOG"
}

next_count() {
  if [ "$LOG" = /dev/null ]; then echo 0; return; fi
  local file="$LOG.state/count-$(printf '%s' "$1" | tr -c 'a-zA-Z0-9' '_')" n
  n=$(cat "$file" 2>/dev/null || echo 0)
  echo $((n + 1)) > "$file"
  echo "$n"
}

record_call
${branches.join('\n')}
exit 0
`;
}
