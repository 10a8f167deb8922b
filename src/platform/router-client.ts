import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { lastLines } from '../lib/child-output.js';
import { UserError } from '../lib/errors.js';
import { readJson, routerStateSchema, webStateSchema, type AppLayout, type Release, type RouterState } from './app-state.js';
import { cliLauncher } from './paths.js';
import { groupMembers, isRunning, stopGroup, stopProcess, waitFor } from '../lib/process-tree.js';
import { STOP_GRACE_MS, type DeployResponse, type RouterStatus } from './router/protocol.js';
import { withoutGitVariables } from '../lib/git.js';

export type { RouterStatus };

function call<T>(state: RouterState, method: string, path: string, body: unknown, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port: state.controlPort,
        method,
        path,
        timeout: timeoutMs,
        agent: false,
        headers: {
          authorization: `Bearer ${state.token}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(text) as T);
          } catch {
            reject(new Error(`router answered ${res.statusCode} with invalid JSON`));
          }
        });
      },
    );
    req.once('timeout', () => req.destroy(new Error(`router did not answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end(payload);
  });
}

/** The running router's state and status, or undefined when no router runs for this app. */
export async function routerStatus(layout: AppLayout): Promise<{ state: RouterState; status: RouterStatus } | undefined> {
  const state = await readJson(layout.router, routerStateSchema).catch(() => undefined);
  if (!state || !isRunning(state.pid)) return undefined;
  try {
    return { state, status: await call<RouterStatus>(state, 'GET', '/status', undefined, 3_000) };
  } catch {
    return undefined;
  }
}

/**
 * Starts the app's router daemon unless it runs. It is detached from the caller (a git hook whose
 * output goes to the pusher), writes to the app's log files and outlives the push.
 */
export async function ensureRouter(layout: AppLayout): Promise<RouterState> {
  const running = await routerStatus(layout);
  if (running) return running.state;
  await mkdir(layout.logsDir, { recursive: true });
  const log = openSync(layout.routerLog, 'a', 0o600);
  let exited = false;
  let pid: number | undefined;
  try {
    const child = spawn(process.execPath, [cliLauncher(), 'platform', 'router', '--app-dir', layout.appDir], {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: layout.appDir,
      env: withoutGitVariables(process.env),
    });
    pid = child.pid;
    child.once('exit', () => (exited = true));
    child.unref();
  } finally {
    closeSync(log);
  }
  const deadline = Date.now() + 15_000;
  while (!exited && Date.now() < deadline) {
    const status = await routerStatus(layout);
    if (status && status.state.pid === pid) return status.state;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const tail = lastLines(await readFile(layout.routerLog, 'utf8').catch(() => ''), 5);
  if (pid !== undefined && isRunning(pid)) await stopProcess(pid, 2_000);
  throw new UserError(`The router of this app did not start${exited ? '' : ' within 15 s'}.\n${tail}`, {
    hint: `Is its port already in use? See ${layout.routerLog}.`,
  });
}

export async function deployViaRouter(state: RouterState, release: Release, bootTimeoutMs: number): Promise<DeployResponse> {
  // The router drains and stops the previous release before answering.
  return call<DeployResponse>(state, 'POST', '/deploy', { release, bootTimeoutMs }, bootTimeoutMs + 60_000);
}

/**
 * Stops the app: asks the router to stop its web process and exit; if the router is gone or hangs,
 * stops it and any web process it left by pid. Resolves when nothing of the app runs.
 */
export async function stopApp(layout: AppLayout): Promise<{ stopped: boolean }> {
  let stopped = false;
  const running = await routerStatus(layout);
  if (running) {
    await call(running.state, 'POST', '/stop', undefined, 5_000).catch(() => undefined);
    if (!(await waitFor(() => !isRunning(running.state.pid), STOP_GRACE_MS + 10_000))) {
      await stopProcess(running.state.pid, 2_000);
    }
    stopped = true;
  } else {
    const state = await readJson(layout.router, routerStateSchema).catch(() => undefined);
    if (state && isRunning(state.pid)) {
      await stopProcess(state.pid, STOP_GRACE_MS);
      stopped = true;
    }
  }
  const web = await readJson(layout.web, webStateSchema).catch(() => undefined);
  if (web && groupMembers(web.pid).length > 0) {
    await stopGroup(web.pid, STOP_GRACE_MS);
    stopped = true;
  }
  await rm(layout.web, { force: true });
  await rm(layout.router, { force: true });
  return { stopped };
}
