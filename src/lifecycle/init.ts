import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { UserError } from '../lib/errors.js';
import type { Output } from '../lib/output.js';
import {
  SYNC_HOOK_EXAMPLE_FILE,
  appJson,
  appNameFor,
  buildpackUrl,
  dotEnv,
  ENGINE_PROCFILE,
  gitignore,
  newLocalEnv,
  readme,
  smokeQueries,
  syncHookExample,
} from './app-files.js';
import { SMOKE_QUERIES_FILE } from './default-names.js';
import { commit, initRepository, isRepositoryRoot } from './git.js';
import { prepareExistingEngine, type PreparedEngine } from './prepare-engine.js';
import { templateDir, templateInfo, TEMPLATE_NAMES, type TemplateInfo } from './templates.js';

export interface InitOptions {
  dir: string;
  template?: string | undefined;
  /** PredictionIO app name (default: from the directory name). */
  name?: string | undefined;
  /** Write into a non-empty directory (template mode). */
  force?: boolean;
  /** git init + first commit (template mode; default true). */
  git?: boolean;
  /** Print the commands to run next (default true; quickstart runs them itself). */
  nextSteps?: boolean;
  out: Output;
}

export type InitResult =
  | { mode: 'template'; dir: string; appName: string; template: TemplateInfo; files: string[]; commit: string | undefined }
  | ({ mode: 'existing'; dir: string } & PreparedEngine);

/** Template files that only make sense inside the pio-deploy repository (its test suite). */
function isRepositoryOnly(path: string): boolean {
  const name = basename(path);
  // A template's top-level test/ holds its test helpers and upstream fixtures, not engine code.
  return path === 'test' || /\.test\.[cm]?[tj]s$/.test(name) || /\.fixture\.[cm]?[tj]s$/.test(name) || name === 'target' || name === 'node_modules';
}

/**
 * `pio-deploy init [dir]`: a new engine app from a template (staged in a temp dir next to the target,
 * committed, then renamed into place), or, in a directory that already holds an engine, the deployment
 * files added around it without touching its code.
 */
export async function runInit(options: InitOptions): Promise<InitResult> {
  const dir = resolve(options.dir);
  const entries = await listDir(dir);
  const isEngine = entries !== undefined && (entries.includes('build.sbt') || entries.includes('engine.json'));
  if (isEngine) {
    if (options.template) {
      throw new UserError(`${dir} already holds an engine (${entries.includes('build.sbt') ? 'build.sbt' : 'engine.json'}).`, {
        hint: `Run \`pio-deploy init ${options.dir}\` without --template to prepare it for deployment, or pick a new directory for the template.`,
      });
    }
    return { mode: 'existing', dir, ...(await prepareExistingEngine(dir, options.out, options.name)) };
  }
  if (!options.template) {
    throw new UserError(`${dir} holds no engine, and no --template was given.`, {
      hint: `Pass --template ${TEMPLATE_NAMES.join('|')} to create an engine app there (e.g. pio-deploy init my-engine --template classification).`,
    });
  }
  const template = templateInfo(options.template);
  if (entries !== undefined && entries.length > 0 && !options.force) {
    throw new UserError(`${dir} is not empty.`, {
      hint: 'Choose a new directory, or pass --force to add the template files to it (same-named files are overwritten).',
    });
  }
  return createFromTemplate(dir, entries, template, options);
}

async function createFromTemplate(
  dir: string,
  entries: string[] | undefined,
  template: TemplateInfo,
  options: InitOptions,
): Promise<InitResult> {
  const { out } = options;
  const source = templateDir(template.name);
  if (!(await stat(join(source, 'engine.json')).catch(() => undefined))) {
    throw new UserError(`The ${template.name} template is missing from this pio-deploy installation (${source}).`, {
      hint: 'Use a full pio-deploy checkout or package, which ships templates/engines/.',
    });
  }
  const appName = options.name ?? appNameFor(dir, template.defaultAppName);
  if (!/^[a-z][a-z0-9-]{0,29}$/.test(appName)) {
    throw new UserError(`"${appName}" is not a usable app name.`, {
      hint: 'Use 1-30 characters from a-z, 0-9 and -, starting with a letter (e.g. --name my-engine).',
    });
  }
  const useGit = options.git !== false;
  const alreadyExists = entries !== undefined;
  const addingToExisting = alreadyExists && entries.length > 0;

  out.topic(`Creating ${appName} from the ${template.name} template in ${displayPath(dir)}`);
  await mkdir(dirname(dir), { recursive: true });
  const staging = await mkdtemp(join(dirname(dir), `.${basename(dir)}.init-`));
  try {
    // mkdtemp makes the dir private; the app dir gets the permissions a plain mkdir would give it.
    await chmod(staging, 0o777 & ~process.umask());
    await cp(source, staging, { recursive: true, filter: (path) => !isRepositoryOnly(relative(source, path)) });
    const engineJson = JSON.parse(await readFile(join(staging, 'engine.json'), 'utf8')) as { description?: unknown };
    const description =
      typeof engineJson.description === 'string' && engineJson.description
        ? engineJson.description
        : `PredictionIO ${template.name} engine`;
    const engineReadme = await readFile(join(staging, 'README.md'), 'utf8').catch(() => undefined);

    const write = (path: string, content: string, mode = 0o644) => writeFile(join(staging, path), content, { mode });
    await write('app.json', `${JSON.stringify(appJson({ name: appName, description, template: template.name, runtime: 'native', buildpackUrl: buildpackUrl() }), null, 2)}\n`);
    await write('Procfile', ENGINE_PROCFILE);
    await write('.env', dotEnv(newLocalEnv(appName)), 0o600);
    await write('.gitignore', gitignore());
    await write(SMOKE_QUERIES_FILE, smokeQueries(template.queries));
    await mkdir(join(staging, 'data'), { recursive: true });
    await write(SYNC_HOOK_EXAMPLE_FILE, syncHookExample());
    await write(
      'README.md',
      readme({ name: appName, template: template.name, firstQuery: template.queries[0]?.query, ...(engineReadme ? { engineReadme } : {}) }),
    );
    // writeFile's mode is masked by the umask; the secret must stay private regardless.
    await chmod(join(staging, '.env'), 0o600);
    const files = (await listFiles(staging)).sort();

    let commitId: string | undefined;
    if (!addingToExisting) {
      if (useGit) {
        await initRepository(staging);
        commitId = await commit(staging, `Create ${appName} from the pio-deploy ${template.name} template`);
      }
      if (alreadyExists) {
        // Keep the (empty) directory itself: it may be the shell's working directory.
        for (const entry of await readdir(staging)) await rename(join(staging, entry), join(dir, entry));
      } else {
        await rename(staging, dir);
      }
    } else {
      await cp(staging, dir, { recursive: true, force: true });
      if (useGit) {
        if (!(await isRepositoryRoot(dir))) await initRepository(dir);
        commitId = await commit(dir, `Add the pio-deploy ${template.name} template`, files.filter((file) => file !== '.env'));
      }
    }
    for (const line of summariseFiles(files)) out.detail(line);
    if (commitId) out.detail(`git: initial commit ${commitId} on branch main (.env is not committed)`);
    if (options.nextSteps !== false) printNextSteps(out, dir, Boolean(commitId));
    return { mode: 'template', dir, appName, template, files, commit: commitId };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** `engine: engine.json, src/ (9 files)` rather than one line per file. */
function summariseFiles(files: string[]): string[] {
  const deployment = new Set(['app.json', 'Procfile', '.env', '.gitignore', 'README.md', SMOKE_QUERIES_FILE, SYNC_HOOK_EXAMPLE_FILE]);
  const grouped = new Map<string, number>();
  for (const file of files.filter((name) => !deployment.has(name))) {
    const slash = file.indexOf('/');
    const key = slash < 0 ? file : `${file.slice(0, slash)}/`;
    grouped.set(key, (grouped.get(key) ?? 0) + 1);
  }
  const engine = [...grouped].map(([key, count]) => (key.endsWith('/') ? `${key} (${count} file${count === 1 ? '' : 's'})` : key));
  return [
    `engine:     ${engine.join(', ')}`,
    `deployment: ${[...deployment].filter((name) => files.includes(name)).join(', ')}`,
  ];
}

function printNextSteps(out: Output, dir: string, committed: boolean): void {
  const cd = relative(process.cwd(), dir) || '.';
  out.topic('Next');
  if (cd !== '.') out.detail(`cd ${cd}`);
  if (!committed) out.detail('git add -A && git commit -m "Engine app"   # the platform builds committed files');
  out.detail('pio-deploy up --port 8000            # build, release (import + train), serve');
  out.detail(`pio-deploy smoke --queries ${SMOKE_QUERIES_FILE}   # the same in a temp dir, checking answers (CI)`);
  out.detail('pio-deploy remote add staging && git push staging main');
}

function displayPath(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel && !rel.startsWith('..') ? `./${rel}` : dir;
}

async function listDir(dir: string): Promise<string[] | undefined> {
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!info.isDirectory()) {
    throw new UserError(`${dir} exists and is not a directory.`, { hint: 'Pass a directory path to pio-deploy init.' });
  }
  return readdir(dir);
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const result: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.name === '.git') continue;
    if (entry.isDirectory()) result.push(...(await listFiles(root, path)));
    else result.push(path);
  }
  return result;
}
