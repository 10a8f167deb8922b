import { rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import type { Writable } from 'node:stream';
import { createTail } from '../../lib/child-output.js';
import { freePort } from '../../lib/net.js';
import { waitFor } from '../../lib/process-tree.js';
import { writeJson, type AppLayout, type Release } from '../app-state.js';
import type { Dyno } from '../dyno.js';
import { isPhaseFailed, startWeb, waitUntilUp, WEB_DYNO } from '../pipeline.js';
import { STOP_GRACE_MS, type DeployResponse, type RouterStatus } from './protocol.js';
import type { ProxyTarget } from './proxy.js';

const DRAIN_TIMEOUT_MS = 30_000;
const OUTPUT_TAIL_LINES = 40;
/** Boot timeout of a restart (a crashed or restored release): what a platform gives a web dyno. */
const RESTART_BOOT_TIMEOUT_MS = 60_000;

interface Instance extends ProxyTarget {
  release: Release;
  dyno: Dyno;
  stopping: boolean;
}

export interface WebProcesses {
  /** Where the proxy sends requests now. */
  current(): ProxyTarget | undefined;
  status(): RouterStatus['web'];
  /** Boots the release's web process; once it answers, traffic switches and the previous one drains and stops. */
  deploy(release: Release, bootTimeoutMs: number): Promise<DeployResponse>;
  /** Boots `release` again; undefined when a web process runs meanwhile or the router stops. */
  restart(release: Release): Promise<DeployResponse | undefined>;
  /** Waits for a deploy in progress, then stops the current web process. */
  stopAll(): Promise<void>;
}

/**
 * The router's state: the current web process, the one switch at a time between releases (deploys,
 * restarts and the shutdown run one after another), and web.json for `remote stop`.
 */
export function createWebProcesses(options: {
  layout: AppLayout;
  appPort: number;
  appLog: Writable;
  log: (message: string) => void;
  /** The current web process crashed (it was not being stopped). */
  onCrash: (release: Release) => void;
}): WebProcesses {
  const { layout, appLog, log } = options;
  let current: Instance | undefined;
  let stopping = false;
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const logLine = (release: Release, line: string) =>
    appLog.write(`${new Date().toISOString()} v${release.version} ${WEB_DYNO} | ${line}\n`);

  async function launch(release: Release, bootTimeoutMs: number): Promise<DeployResponse> {
    const web = release.processTypes.web;
    if (!web) return { ok: false, reason: `release v${release.version} declares no web process`, output: [] };
    const port = await freePort();
    const tail = createTail(OUTPUT_TAIL_LINES);
    const dyno = startWeb({
      command: web,
      slugDir: release.slugDir,
      env: release.env,
      port,
      sink: (line) => {
        logLine(release, line);
        tail.push(line);
      },
    });
    log(`v${release.version}: started web.1 (pid ${dyno.pid}) on port ${port}`);
    let status: number;
    try {
      ({ status } = await waitUntilUp(dyno, { port, timeoutMs: bootTimeoutMs }));
    } catch (error) {
      if (!isPhaseFailed(error) || error.failure.phase !== 'web.1') throw error;
      log(`v${release.version}: web.1 failed its health check: ${error.failure.reason}`);
      await dyno.stop(STOP_GRACE_MS);
      // The tail includes what it printed while stopping.
      return { ok: false, reason: error.failure.reason, output: tail.lines() };
    }
    const instance: Instance = { release, dyno, port, agent: new Agent({ keepAlive: true }), inflight: 0, stopping: false };
    const previous = current;
    current = instance;
    await writeJson(layout.web, { pid: dyno.pid, port, version: release.version });
    log(`v${release.version}: web.1 answered (HTTP ${status}); routing :${options.appPort} -> :${port}`);
    void dyno.exited.then((exit) => {
      if (instance.stopping || stopping) return;
      log(`v${release.version}: web.1 crashed (exit ${exit.code ?? exit.signal})`);
      // Like a crashed dyno, nothing of it survives: children the app left behind are stopped too.
      void dyno.stop(STOP_GRACE_MS);
      logLine(release, `process exited with ${exit.code ?? exit.signal}`);
      if (current === instance) {
        current = undefined;
        void rm(layout.web, { force: true });
        options.onCrash(release);
      }
    });
    if (previous) await retire(previous);
    return { ok: true, port };
  }

  async function retire(instance: Instance): Promise<void> {
    instance.stopping = true;
    await waitFor(() => instance.inflight === 0, DRAIN_TIMEOUT_MS);
    await instance.dyno.stop(STOP_GRACE_MS);
    instance.agent.destroy();
    log(`v${instance.release.version}: stopped web.1 (pid ${instance.dyno.pid})`);
  }

  return {
    current: () => current,
    status: () => (current ? { pid: current.dyno.pid, port: current.port, version: current.release.version } : null),
    deploy: (release, bootTimeoutMs) => exclusive(() => launch(release, bootTimeoutMs)),
    restart: (release) =>
      exclusive(async () => {
        // A deploy may have replaced the crashed release meanwhile.
        if (stopping || current) return undefined;
        return launch(release, RESTART_BOOT_TIMEOUT_MS);
      }),
    async stopAll() {
      stopping = true;
      await queue.catch(() => undefined);
      if (current) {
        current.stopping = true;
        await current.dyno.stop(STOP_GRACE_MS);
        current.agent.destroy();
        current = undefined;
      }
    },
  };
}
