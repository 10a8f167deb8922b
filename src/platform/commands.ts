import type { Command } from 'commander';
import { resolve } from 'node:path';
import { parseCount, parsePort, parseSeconds } from '../cli/arg-parsers.js';
import { createOutput } from '../lib/output.js';
import { defaultBuildpackDir } from './paths.js';

// Registration only declares commands: each action imports its implementation, so `pio-deploy --help`
// and the other areas' commands never load git, zod, the router or a half-built module of this area.

type AppAction = 'startApp' | 'stopAppCommand' | 'statusCommand';

/** One of command-actions.ts's app-dir actions, imported when the command runs. */
const appAction = (name: AppAction) => async (appDir: string) => (await import('./command-actions.js'))[name](appDir);

async function appDirOf(remoteName: string): Promise<string> {
  const { appDirOfRemote } = await import('./remote.js');
  return appDirOfRemote(process.cwd(), remoteName);
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
      const { runUp } = await import('./up.js');
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
      const [{ addRemote }, { appLayout }] = await Promise.all([import('./remote.js'), import('./app-state.js')]);
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
      .action(async (name: string) => run(await appDirOf(name)));
  forRemote('stop', 'Stop the app behind git remote <name> (router and web process)', appAction('stopAppCommand'), 'pio-deploy remote stop staging');
  forRemote('start', 'Start the app behind git remote <name> again with its current release', appAction('startApp'), 'pio-deploy remote start staging');
  forRemote('status', 'Show the release and processes of the app behind git remote <name>', appAction('statusCommand'), 'pio-deploy remote status staging');
  remote
    .command('logs <name>')
    .description("Show the web process output of the app behind git remote <name>")
    .option('-n, --num <lines>', 'number of lines', parseCount, 100)
    .option('-t, --tail', 'keep printing new lines', false)
    .addHelpText('after', '\nExample:\n  $ pio-deploy remote logs staging --tail')
    .action(async (name: string, options: { num: number; tail: boolean }) => {
      const { logsCommand } = await import('./command-actions.js');
      await logsCommand(await appDirOf(name), options);
    });

  remote
    .command('config <name>')
    .description('Show the config vars of the app behind git remote <name>')
    .option('-s, --shell', 'print them in .env format (values included)', false)
    .addHelpText('after', '\nExample:\n  $ pio-deploy remote config staging')
    .action(async (name: string, options: { shell: boolean }) => {
      const [{ formatConfigVars, readConfigVars }, { appLayout }] = await Promise.all([
        import('./config-vars.js'),
        import('./app-state.js'),
      ]);
      const vars = await readConfigVars(appLayout(await appDirOf(name)).config);
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
        const [{ parseAssignments }, { changeConfig }] = await Promise.all([import('./config-vars.js'), import('./receive.js')]);
        const appDir = await appDirOf(name);
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
      const [{ receivePush }, { readStdin }] = await Promise.all([import('./receive.js'), import('./command-actions.js')]);
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
    .action(async (options: { appDir: string }) => (await import('./router.js')).runRouter(resolve(options.appDir)));
  for (const [verb, action] of [['start', 'startApp'], ['stop', 'stopAppCommand'], ['status', 'statusCommand']] as const) {
    const run = appAction(action);
    platform
      .command(verb)
      .description(`${verb} the app in a platform dir`)
      .requiredOption('--app-dir <dir>', 'platform dir of the app')
      .addHelpText('after', `\nExample:\n  $ pio-deploy platform ${verb} --app-dir ~/.pio-deploy/apps/staging`)
      .action(async (options: { appDir: string }) => run(resolve(options.appDir)));
  }
}
