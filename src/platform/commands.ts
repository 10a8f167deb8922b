import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { createOutput } from '../lib/output.js';
import { appLayout, readApp, readReleases } from './app-state.js';
import { formatConfigVars, parseAssignments, readConfigVars } from './config-vars.js';
import { showLog } from './logs.js';
import { defaultBuildpackDir } from './paths.js';
import { changeConfig, receivePush } from './receive.js';
import { addRemote, appDirOfRemote } from './remote.js';
import { runRouter } from './router.js';
import { ensureRouter, routerStatus, stopApp } from './router-client.js';
import { runUp } from './up.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new InvalidArgumentError('expected a port from 1 to 65535');
  return port;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return seconds;
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError('expected a positive whole number');
  return count;
}

async function readStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk as string;
  return text;
}

/** Starts an app's router (which boots its current release) and reports where it serves. */
async function startApp(appDir: string): Promise<void> {
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

async function stopAppCommand(appDir: string): Promise<void> {
  const out = createOutput();
  const layout = appLayout(appDir);
  const app = await readApp(layout);
  const { stopped } = await stopApp(layout);
  out.topic(stopped ? `Stopped ${app.name}` : `${app.name} was not running`);
}

async function statusCommand(appDir: string): Promise<void> {
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

async function logsCommand(appDir: string, options: { num: number; tail: boolean }): Promise<void> {
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

/** `pio-deploy up`, `pio-deploy remote …` and the hidden `pio-deploy platform …` plumbing. */
export function registerPlatformCommands(program: Command): void {
  program
    .command('up')
    .description(
      'Build the committed app as a platform would (fresh build dir, persistent cache, .env as config vars), run the release phase, then serve the web process',
    )
    .option('--app-dir <dir>', 'app directory (a git repository)', '.')
    .option('--buildpack <dir>', 'classic buildpack directory (default: the one shipped with pio-deploy)')
    .option('--env <file>', 'config vars file (default: <app-dir>/.env)')
    .option('-p, --port <port>', 'port of the web process (default: $PORT from .env or the environment, else 5000)', parsePort)
    .option('--boot-timeout <seconds>', 'how long the web process may take to answer HTTP', parseSeconds, 60)
    .addHelpText('after', '\nExample:\n  $ git commit -am "Tune engine" && pio-deploy up --port 8000')
    .action(async (options: { appDir: string; buildpack?: string; env?: string; port?: number; bootTimeout: number }) => {
      process.exitCode = await runUp({
        appDir: resolve(options.appDir),
        buildpackDir: resolve(options.buildpack ?? defaultBuildpackDir()),
        ...(options.env ? { envFile: resolve(options.env) } : {}),
        ...(options.port ? { port: options.port } : {}),
        bootTimeoutMs: options.bootTimeout * 1000,
        stopGraceMs: 10_000,
        stdout: process.stdout,
        stderr: process.stderr,
      });
    });

  const remote = program
    .command('remote')
    .description('A local git-push platform: `git push <name> main` builds, releases and deploys with zero downtime')
    .addHelpText('after', '\nExample:\n  $ pio-deploy remote add staging && git push staging main');

  remote
    .command('add <name>')
    .description('Create a local platform app and a git remote <name> for it in this repository')
    .option('--dir <path>', 'where the app lives on the platform (default: ~/.pio-deploy/apps/<name>)')
    .option('-p, --port <port>', 'stable port the app is served on (default: a free port)', parsePort)
    .option('--buildpack <dir>', 'classic buildpack directory (default: the one shipped with pio-deploy)')
    .addHelpText('after', '\nExample:\n  $ pio-deploy remote add staging --port 8000\n  $ git push staging main')
    .action(async (name: string, options: { dir?: string; port?: number; buildpack?: string }) => {
      const added = await addRemote({
        name,
        repoDir: process.cwd(),
        ...(options.dir ? { dir: options.dir } : {}),
        ...(options.port ? { port: options.port } : {}),
        ...(options.buildpack ? { buildpackDir: options.buildpack } : {}),
      });
      const out = createOutput();
      out.topic(`Created local platform app ${name}`);
      out.detail(`git remote:  ${name} -> ${added.repo}`);
      out.detail(
        `config vars: ${appLayout(added.appDir).config}${added.configVarsCopied === undefined ? '' : ` (${added.configVarsCopied} copied from .env)`}`,
      );
      out.detail(`served at:   http://${added.app.host}:${added.app.port}/ after \`git push ${name} main\``);
    });

  const forRemote = (verb: string, description: string, run: (appDir: string) => Promise<void>, example: string) =>
    remote
      .command(`${verb} <name>`)
      .description(description)
      .addHelpText('after', `\nExample:\n  $ ${example}`)
      .action(async (name: string) => run(await appDirOfRemote(process.cwd(), name)));
  forRemote('stop', 'Stop the app behind git remote <name> (router and web process)', stopAppCommand, 'pio-deploy remote stop staging');
  forRemote('start', 'Start the app behind git remote <name> again with its current release', startApp, 'pio-deploy remote start staging');
  forRemote('status', 'Show the release and processes of the app behind git remote <name>', statusCommand, 'pio-deploy remote status staging');
  remote
    .command('logs <name>')
    .description("Show the web process output of the app behind git remote <name>")
    .option('-n, --num <lines>', 'number of lines', parseCount, 100)
    .option('-t, --tail', 'keep printing new lines', false)
    .addHelpText('after', '\nExample:\n  $ pio-deploy remote logs staging --tail')
    .action(async (name: string, options: { num: number; tail: boolean }) =>
      logsCommand(await appDirOfRemote(process.cwd(), name), options),
    );

  remote
    .command('config <name>')
    .description('Show the config vars of the app behind git remote <name>')
    .option('-s, --shell', 'print them in .env format (values included)', false)
    .addHelpText('after', '\nExample:\n  $ pio-deploy remote config staging')
    .action(async (name: string, options: { shell: boolean }) => {
      const vars = await readConfigVars(appLayout(await appDirOfRemote(process.cwd(), name)).config);
      if (options.shell) {
        process.stdout.write(formatConfigVars(vars));
        return;
      }
      const width = Math.max(0, ...Object.keys(vars).map((key) => key.length));
      const out = createOutput();
      out.topic(`${name} config vars`);
      for (const [key, value] of Object.entries(vars)) out.detail(`${`${key}:`.padEnd(width + 1)} ${value}`);
    });
  const configChange = (verb: 'config:set' | 'config:unset', example: string) =>
    remote
      .command(`${verb} <name> <${verb === 'config:set' ? 'NAME=value' : 'NAME'}...>`)
      .description(
        `${verb === 'config:set' ? 'Set' : 'Remove'} config vars of the app behind git remote <name>; a running app gets a new release (release phase included)`,
      )
      .addHelpText('after', `\nExample:\n  $ ${example}`)
      .action(async (name: string, args: string[]) => {
        const appDir = await appDirOfRemote(process.cwd(), name);
        const set = verb === 'config:set' ? parseAssignments(args) : {};
        const unset = verb === 'config:unset' ? args : [];
        const out = createOutput();
        out.topic(`${verb === 'config:set' ? 'Setting' : 'Unsetting'} ${[...Object.keys(set), ...unset].join(', ')} on ${name}`);
        const { version } = await changeConfig({ appDir, set, unset, streams: process, bootTimeoutMs: 60_000 });
        out.detail(version === undefined ? 'Saved; the next push uses them.' : `Done: v${version} is serving.`);
      });
  configChange('config:set', 'pio-deploy remote config:set staging PIO_EVENTSERVER_APP_NAME=my-app');
  configChange('config:unset', 'pio-deploy remote config:unset staging PIO_TRAIN_ON_RELEASE');

  // Plumbing used by the git hook and the router daemon, and for apps addressed by directory.
  const platform = program.command('platform', { hidden: true }).description('Local platform plumbing');
  platform
    .command('receive')
    .description('pre-receive hook: build, release and deploy the pushed main branch')
    .requiredOption('--app-dir <dir>', 'platform dir of the app')
    .option('--boot-timeout <seconds>', 'how long a new web process may take to answer HTTP', parseSeconds, 60)
    .addHelpText('after', '\nExample:\n  $ echo "$OLD $NEW refs/heads/main" | pio-deploy platform receive --app-dir ~/.pio-deploy/apps/staging')
    .action(async (options: { appDir: string; bootTimeout: number }) => {
      process.exitCode = await receivePush({
        appDir: resolve(options.appDir),
        repoDir: process.cwd(),
        stdin: await readStdin(),
        streams: process,
        bootTimeoutMs: options.bootTimeout * 1000,
      });
    });
  platform
    .command('router')
    .description('run the router daemon of an app (started by deploys)')
    .requiredOption('--app-dir <dir>', 'platform dir of the app')
    .addHelpText('after', '\nExample:\n  $ pio-deploy platform router --app-dir ~/.pio-deploy/apps/staging')
    .action(async (options: { appDir: string }) => runRouter(resolve(options.appDir)));
  for (const [verb, run] of [['start', startApp], ['stop', stopAppCommand], ['status', statusCommand]] as const) {
    platform
      .command(verb)
      .description(`${verb} the app in a platform dir`)
      .requiredOption('--app-dir <dir>', 'platform dir of the app')
      .addHelpText('after', `\nExample:\n  $ pio-deploy platform ${verb} --app-dir ~/.pio-deploy/apps/staging`)
      .action(async (options: { appDir: string }) => run(resolve(options.appDir)));
  }
}
