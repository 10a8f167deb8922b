import { execa, type ResultPromise } from 'execa';
import { createServer, type Server } from 'node:http';
import { freePort } from '../../src/lib/net.js';
import { waitFor, type EngineTestContext } from '../engine/helpers.js';
import { PIO_BIN } from '../pio/helpers.js';

export interface EventServerProcess {
  url: string;
  port: number;
  /** The `pio eventserver` process (its pid for RSS, its exit code to see it is still up). */
  pid: number;
  process: ResultPromise;
  output(): string;
  stop(): Promise<void>;
}

/** `pio eventserver [args]` on a free port, waited for until `/readyz` answers 200 (failing at once if it exits). */
export async function startEventServerProcess(
  ctx: EngineTestContext,
  env: Record<string, string> = {},
  args: readonly string[] = [],
): Promise<EventServerProcess> {
  const port = await freePort();
  const child: ResultPromise = execa(PIO_BIN, ['eventserver', '--ip', '127.0.0.1', '--port', String(port), ...args], {
    env: { ...ctx.env, ...env },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    buffer: false,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`pio eventserver exited:\n${output}`);
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined;
    },
    30_000,
    'the event server',
  );
  return {
    url,
    pid: child.pid!,
    process: child,
    port,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await child.catch(() => undefined);
    },
  };
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string | number } }>;
  service: string;
}

interface OtlpExport {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans?: Array<{ spans?: Array<Omit<OtlpSpan, 'service'>> }>;
  }>;
}

/** An OTLP/HTTP traces receiver (JSON, what the exporter sends) collecting every span it is sent. */
export async function startOtlpReceiver(): Promise<{ url: string; spans: OtlpSpan[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const parsed = JSON.parse(body) as OtlpExport;
        for (const resource of parsed.resourceSpans ?? []) {
          const service = resource.resource?.attributes?.find((attribute) => attribute.key === 'service.name')?.value.stringValue ?? '';
          for (const scope of resource.scopeSpans ?? []) for (const span of scope.spans ?? []) spans.push({ ...span, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function attribute(span: OtlpSpan, key: string): string | number | undefined {
  const value = span.attributes.find((candidate) => candidate.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
}
