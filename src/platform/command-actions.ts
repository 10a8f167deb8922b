import { createOutput } from '../lib/output.js';
import { appLayout, readApp, readReleases } from './app-state.js';
import { showLog } from './logs.js';
import { ensureRouter, routerStatus, stopApp } from './router-client.js';

/** What `pio-deploy remote start|stop|status|logs` and `platform start|stop|status` do, by app dir. */

export async function readStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk as string;
  return text;
}

/** Starts an app's router (which boots its current release) and reports where it serves. */
export async function startApp(appDir: string): Promise<void> {
  const out = createOutput();
  const layout = appLayout(appDir);
  const app = await readApp(layout);
  const releases = await readReleases(layout);
  if (!releases.current) {
    out.topic(`${app.name} has no release yet: push to it first (git push ${app.name} main)`);
    return;
  }
  await ensureRouter(layout);
  out.topic(`${app.name} v${releases.current.version} starting at http://${app.host}:${app.port}/`);
}

export async function stopAppCommand(appDir: string): Promise<void> {
  const out = createOutput();
  const layout = appLayout(appDir);
  const app = await readApp(layout);
  const { stopped } = await stopApp(layout);
  out.topic(stopped ? `Stopped ${app.name}` : `${app.name} was not running`);
}

export async function statusCommand(appDir: string): Promise<void> {
  const out = createOutput();
  const layout = appLayout(appDir);
  const app = await readApp(layout);
  const releases = await readReleases(layout);
  const running = await routerStatus(layout);
  out.topic(`${app.name}: http://${app.host}:${app.port}/`);
  out.detail(`release: ${releases.current ? `v${releases.current.version} (${releases.current.commit.slice(0, 7)})` : 'none'}`);
  out.detail(`router:  ${running ? `running (pid ${running.status.pid})` : 'stopped'}`);
  out.detail(`web.1:   ${running?.status.web ? `up (pid ${running.status.web.pid}, v${running.status.web.version})` : 'down'}`);
}

export async function logsCommand(appDir: string, options: { num: number; tail: boolean }): Promise<void> {
  const layout = appLayout(appDir);
  await readApp(layout);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await showLog(layout.appLog, { lines: options.num, follow: options.tail, signal: abort.signal }, (text) =>
      process.stdout.write(text),
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
