import { createOutput, ERROR_PREFIX, TOPIC_PREFIX } from '../lib/output.js';
import { createTail, type LineTail } from '../lib/child-output.js';
import { createPrefixer } from '../platform/log-prefix.js';
import type { Phase } from '../platform/pipeline.js';

export type { Phase };

/** Where a lifecycle run's progress and its children's output go. */
export interface LifecycleReporter {
  step(message: string): void;
  detail(message: string): void;
  warn(message: string): void;
  buildLine(line: string, stream: 'stdout' | 'stderr'): void;
  dynoLine(dyno: string, line: string, stream: 'stdout' | 'stderr'): void;
  /** The phase failed: show what a person needs to see of its output (the quiet reporter kept it). */
  failed(phase: Phase): void;
}

type Streams = { stdout: NodeJS.WritableStream & { isTTY?: boolean }; stderr: NodeJS.WritableStream };

/** Everything, as `pio-deploy up` shows it: build output as is, process output prefixed `release | `. */
export function verboseReporter(streams: Streams): LifecycleReporter {
  const out = createOutput(streams.stdout, streams.stderr);
  const prefixer = createPrefixer(streams.stdout, ['release', 'web.1']);
  const sinks = new Map<string, ReturnType<typeof prefixer>>();
  return {
    step: (message) => out.topic(message),
    detail: (message) => out.detail(message),
    warn: (message) => out.warn(message),
    buildLine: (line, stream) => (stream === 'stdout' ? streams.stdout : streams.stderr).write(`${line}\n`),
    dynoLine: (dyno, line, stream) => {
      let sink = sinks.get(dyno);
      if (!sink) sinks.set(dyno, (sink = prefixer(dyno)));
      sink(line, stream);
    },
    failed: () => undefined,
  };
}

const TAIL_LINES = 60;

/**
 * Heroku-style progress only: the `----->` steps of the build and the release become detail lines and
 * warnings/errors pass through; the rest is kept (last lines per phase) and shown when a phase fails.
 */
export function quietReporter(streams: Streams): LifecycleReporter {
  const out = createOutput(streams.stdout, streams.stderr);
  const tails: Record<Phase, LineTail> = { build: createTail(TAIL_LINES), release: createTail(TAIL_LINES), 'web.1': createTail(TAIL_LINES) };
  const keep = (phase: Phase, line: string) => tails[phase].push(line);
  const progress = (phase: Phase, line: string) => {
    keep(phase, line);
    const text = line.trimStart();
    if (text.startsWith(TOPIC_PREFIX)) out.detail(text.slice(TOPIC_PREFIX.length));
    else if (line.startsWith(ERROR_PREFIX)) streams.stderr.write(`${line}\n`);
  };
  return {
    step: (message) => out.topic(message),
    detail: (message) => out.detail(message),
    warn: (message) => out.warn(message),
    buildLine: (line) => progress('build', line),
    dynoLine: (dyno, line) => {
      if (dyno === 'release') progress('release', line);
      else keep('web.1', line);
    },
    failed: (phase) => {
      const tail = tails[phase].lines();
      if (tail.length === 0) return;
      out.error(`Last ${tail.length} lines of ${phase === 'build' ? 'the build' : phase} output:`);
      for (const line of tail) streams.stderr.write(`${ERROR_PREFIX}  ${line}\n`);
    },
  };
}
