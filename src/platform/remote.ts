import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { UserError } from '../lib/errors.js';
import { git, tryGit } from '../lib/git.js';
import { shellQuote } from '../config/shell-words.js';
import { APP_NAME, appLayout, readJson, appSchema, writeJson, type AppConfig } from './app-state.js';
import { readConfigVars } from './config-vars.js';
import { freePort } from '../lib/net.js';
import { cliLauncher, platformHome } from './paths.js';

export interface AddRemoteOptions {
  name: string;
  /** The app's git working tree. */
  repoDir: string;
  /** Platform dir of the app (default `~/.pio-deploy/apps/<name>`). */
  dir?: string;
  port?: number;
  buildpackDir?: string;
}

export interface AddedRemote {
  app: AppConfig;
  appDir: string;
  repo: string;
  configVarsCopied: number | undefined;
}

/** The pre-receive hook: every push to the bare repository goes through `pio-deploy platform receive`. */
export function preReceiveHook(appDir: string): string {
  return [
    '#!/usr/bin/env bash',
    '# Installed by `pio-deploy remote add`: builds, releases and deploys pushes to main (or master).',
    '# Exiting non-zero rejects the push, so a failed build or release never replaces the running app.',
    `exec ${shellQuote(process.execPath)} ${shellQuote(cliLauncher())} platform receive --app-dir ${shellQuote(appDir)}`,
    '',
  ].join('\n');
}

/**
 * `pio-deploy remote add <name>`: a local platform app (bare repository with a pre-receive hook, config
 * vars, stable port) and a git remote of that name in the app's repository.
 */
export async function addRemote(options: AddRemoteOptions): Promise<AddedRemote> {
  if (!APP_NAME.test(options.name)) {
    throw new UserError(`"${options.name}" is not a valid app name`, {
      hint: 'Use 1-30 lowercase letters, digits and dashes, starting with a letter (e.g. my-engine).',
    });
  }
  const top = await tryGit(options.repoDir, ['rev-parse', '--show-toplevel']);
  if (!top.ok) {
    throw new UserError(`${options.repoDir} is not a git repository`, {
      hint: 'Run `git init` in your app directory (and commit it) before adding a remote.',
    });
  }
  const workTree = top.stdout.trim();
  if ((await tryGit(workTree, ['remote', 'get-url', options.name])).ok) {
    throw new UserError(`This repository already has a git remote named ${options.name}`, {
      hint: `Choose another name, or remove it first with \`git remote remove ${options.name}\`.`,
    });
  }

  const appDir = resolve(options.dir ?? join(platformHome(), 'apps', options.name));
  const layout = appLayout(appDir);
  const existing = await readJson(layout.app, appSchema);
  if (existing && existing.name !== options.name) {
    throw new UserError(`${appDir} already holds the platform app ${existing.name}`, {
      hint: 'Pass --dir with another directory.',
    });
  }
  const app: AppConfig = {
    name: options.name,
    host: existing?.host ?? '127.0.0.1',
    port: options.port ?? existing?.port ?? (await freePort()),
    ...(options.buildpackDir ? { buildpack: resolve(options.buildpackDir) } : existing?.buildpack ? { buildpack: existing.buildpack } : {}),
  };

  await mkdir(layout.logsDir, { recursive: true, mode: 0o700 });
  if (!existsSync(join(layout.repo, 'HEAD'))) {
    const init = await tryGit(appDir, ['init', '--bare', '--quiet', '--initial-branch=main', layout.repo]);
    if (!init.ok) throw new UserError(`Could not create the repository ${layout.repo}: ${init.stderr}`);
  }
  await git(appDir, ['--git-dir', layout.repo, 'config', 'pio-deploy.appdir', appDir]);
  const hook = join(layout.repo, 'hooks', 'pre-receive');
  await writeFileAtomic(hook, preReceiveHook(appDir), { mode: 0o755 });
  await chmod(hook, 0o755);

  let configVarsCopied: number | undefined;
  if (!existsSync(layout.config)) {
    const dotenv = join(workTree, '.env');
    const text = existsSync(dotenv) ? await readFile(dotenv, 'utf8') : '';
    if (text) configVarsCopied = Object.keys(await readConfigVars(dotenv)).length;
    await writeFileAtomic(layout.config, text, { mode: 0o600 });
  }
  await writeJson(layout.app, app);

  const added = await tryGit(workTree, ['remote', 'add', options.name, layout.repo]);
  if (!added.ok) throw new UserError(`git remote add ${options.name} failed: ${added.stderr}`);
  return { app, appDir, repo: layout.repo, configVarsCopied };
}

/** Finds the platform dir of the app behind git remote `name` of the repository at `repoDir`. */
export async function appDirOfRemote(repoDir: string, name: string): Promise<string> {
  const url = await tryGit(repoDir, ['remote', 'get-url', name]);
  if (!url.ok) {
    throw new UserError(`This repository has no git remote named ${name}`, {
      hint: `Create it with \`pio-deploy remote add ${name}\` (see \`git remote -v\`).`,
    });
  }
  const repo = resolve(repoDir, url.stdout.trim());
  const configured = await tryGit(repoDir, ['--git-dir', repo, 'config', '--get', 'pio-deploy.appdir']);
  if (configured.ok && configured.stdout.trim()) return configured.stdout.trim();
  if (basename(repo) === 'repo.git' && existsSync(join(dirname(repo), 'app.json'))) return dirname(repo);
  throw new UserError(`git remote ${name} (${url.stdout.trim()}) is not a pio-deploy local platform app`, {
    hint: 'Only remotes created with `pio-deploy remote add` can be managed here.',
  });
}
