import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { UserError } from '../lib/errors.js';
import { isRunning } from '../lib/process-tree.js';

/**
 * On-disk layout of one app on the local platform (`~/.pio-deploy/apps/<name>/` or `remote add --dir`):
 * the bare repository pushes go to, config vars, the build cache, one slug dir per release and the
 * state of the router daemon. Every state file is written atomically and validated when read.
 */
export function appLayout(appDir: string) {
  return {
    appDir,
    repo: join(appDir, 'repo.git'),
    app: join(appDir, 'app.json'),
    config: join(appDir, 'config.env'),
    cache: join(appDir, 'cache'),
    releasesDir: join(appDir, 'releases'),
    releases: join(appDir, 'releases.json'),
    router: join(appDir, 'router.json'),
    web: join(appDir, 'web.json'),
    logsDir: join(appDir, 'logs'),
    routerLog: join(appDir, 'logs', 'router.log'),
    appLog: join(appDir, 'logs', 'app.log'),
    lock: join(appDir, 'deploy.lock'),
  };
}
export type AppLayout = ReturnType<typeof appLayout>;

export const APP_NAME = /^[a-z][a-z0-9-]{0,29}$/;

export const appSchema = z.object({
  name: z.string().regex(APP_NAME),
  port: z.number().int().min(1).max(65_535),
  host: z.string().default('127.0.0.1'),
  /** Classic buildpack directory; absent = the one shipped with the running pio-deploy. */
  buildpack: z.string().optional(),
});
export type AppConfig = z.infer<typeof appSchema>;

export const releaseSchema = z.object({
  version: z.number().int().min(1),
  commit: z.string(),
  slugDir: z.string(),
  processTypes: z.record(z.string(), z.string()),
  /** Environment of the release's dynos (base + config vars), without PORT/DYNO. Holds secrets: 0600. */
  env: z.record(z.string(), z.string()),
  createdAt: z.string(),
});
export type Release = z.infer<typeof releaseSchema>;

export const releasesSchema = z.object({
  lastVersion: z.number().int().min(0),
  current: releaseSchema.nullable(),
});
export type Releases = z.infer<typeof releasesSchema>;

export const routerStateSchema = z.object({
  pid: z.number().int(),
  port: z.number().int(),
  controlPort: z.number().int(),
  token: z.string(),
});
export type RouterState = z.infer<typeof routerStateSchema>;

export const webStateSchema = z.object({
  pid: z.number().int(),
  port: z.number().int(),
  version: z.number().int(),
});
export type WebState = z.infer<typeof webStateSchema>;

export async function readJson<T>(file: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new UserError(`${file} is corrupt: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

export async function readApp(layout: AppLayout): Promise<AppConfig> {
  const app = await readJson(layout.app, appSchema);
  if (!app) {
    throw new UserError(`${layout.appDir} is not a pio-deploy platform app (no app.json)`, {
      hint: 'Create one with `pio-deploy remote add <name>` in your app repository.',
    });
  }
  return app;
}

export async function readReleases(layout: AppLayout): Promise<Releases> {
  return (await readJson(layout.releases, releasesSchema)) ?? { lastVersion: 0, current: null };
}

/**
 * One deploy at a time per app: an exclusive lock file holding the owner's pid. A lock whose owner no
 * longer runs (a killed push) is taken over.
 */
export async function acquireDeployLock(layout: AppLayout): Promise<() => Promise<void>> {
  const token = `${process.pid} ${randomBytes(6).toString('hex')}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(layout.lock, token, { flag: 'wx', mode: 0o600 });
      return async () => {
        const content = await readFile(layout.lock, 'utf8').catch(() => undefined);
        if (content === token) await rm(layout.lock, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(layout.lock, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && isRunning(holder)) {
      throw new UserError(`Another deploy of this app is running (pid ${holder})`, {
        hint: 'Wait for it to finish, then push again.',
      });
    }
    await rm(layout.lock, { force: true });
  }
  throw new UserError(`Could not take the deploy lock ${layout.lock}`);
}
