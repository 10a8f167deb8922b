import { execa, type ResultPromise } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'bin', 'pio-deploy');
export const FIXTURE_BUILDPACK = join(ROOT, 'test', 'fixtures', 'platform', 'buildpack');

export interface Sandbox {
  dir: string;
  home: string;
  appDir: string;
  /** Environment for every command: a temp HOME and platform home, no global git config. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** A temp dir with its own HOME and a fresh git repository holding the fixture app. */
export async function createSandbox(files: Record<string, string>): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'pio-platform-test-'));
  const home = join(dir, 'home');
  const appDir = join(dir, 'app');
  await mkdir(home);
  await mkdir(appDir);
  const env = {
    HOME: home,
    PIO_DEPLOY_HOME: join(home, '.pio-deploy'),
    PIO_HOME: join(home, '.pio'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
  };
  await execa('git', ['init', '--quiet', '--initial-branch=main'], { cwd: appDir, env });
  await execa('git', ['config', 'user.name', 'Test'], { cwd: appDir, env });
  await execa('git', ['config', 'user.email', 'test@example.com'], { cwd: appDir, env });
  await commitFiles({ appDir, env }, files, 'initial');
  return { dir, home, appDir, env, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function commitFiles(
  sandbox: Pick<Sandbox, 'appDir' | 'env'>,
  files: Record<string, string>,
  message: string,
): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(sandbox.appDir, path)), { recursive: true });
    await writeFile(join(sandbox.appDir, path), content);
  }
  await execa('git', ['add', '-A'], { cwd: sandbox.appDir, env: sandbox.env });
  await execa('git', ['commit', '--quiet', '-m', message], { cwd: sandbox.appDir, env: sandbox.env });
}

export function runCli(sandbox: Sandbox, args: string[]): ResultPromise<{ reject: false; all: true }> {
  return execa(CLI, args, { cwd: sandbox.appDir, env: sandbox.env, reject: false, all: true });
}

export interface FixtureResponse {
  version: string;
  pid: number;
  helperPid: number;
  port: string;
  dyno: string;
  home: string;
  cwd: string;
  profile: string | null;
  greeting: string | null;
  databaseUrl: string | null;
  released: string | null;
  buildGreeting: string | null;
  buildEnvGreeting: string | null;
}

export function httpGet(port: number, path = '/', timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}

export async function getFixture(port: number): Promise<FixtureResponse> {
  const response = await httpGet(port);
  if (response.status !== 200) throw new Error(`GET / answered ${response.status}: ${response.body}`);
  return JSON.parse(response.body) as FixtureResponse;
}

/** Resolves once `text` appears in the output collected so far from a running command. */
export function waitForOutput(subprocess: ResultPromise, text: string | RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(text)}; output so far:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer | string) => {
      seen += chunk.toString();
      const match = typeof text === 'string' ? seen.includes(text) : text.test(seen);
      if (match) {
        clearTimeout(timer);
        resolvePromise(seen);
      }
    };
    subprocess.stdout?.on('data', onData);
    subprocess.stderr?.on('data', onData);
    void subprocess.then(
      () => {
        clearTimeout(timer);
        reject(new Error(`command exited before printing ${String(text)}; output:\n${seen}`));
      },
      () => undefined,
    );
  });
}
