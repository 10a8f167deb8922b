import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Output } from '../lib/output.js';
import type { ArtifactCache } from '../distributions/cache.js';
import { installJdk, planJdk, providedJava8 } from '../distributions/jdk.js';
import { nativeDistributionTitle, prepareNativePack, type PreparedNativePack } from '../distributions/native-distribution.js';
import type { ObtainContext } from '../distributions/obtain.js';
import { packageVersion } from '../distributions/pack.js';
import { planDistribution, type DistributionPlan, type OptionalParts } from '../distributions/plan.js';
import { chooseDistribution, type DistributionChoice, type EngineHints } from '../distributions/select.js';
import type { CompileSettings } from './compile-settings.js';
import type { AppRole } from '../config/app-role.js';

/** The pio-deploy CLI inside a native distribution, relative to the distribution root. */
export const NATIVE_CLI_MAIN = 'lib/pio-deploy/dist/cli/main.js';

export interface ChoiceInput {
  settings: CompileSettings;
  hints: EngineHints;
  role: AppRole;
}

/** Distribution kind/version for the app (event-server apps get native unless PIO_DISTRIBUTION says otherwise). */
export function chooseForApp({ settings, hints, role }: ChoiceInput): DistributionChoice {
  return chooseDistribution({ PIO_DISTRIBUTION: settings.distribution, PIO_VERSION: settings.pioVersion }, hints, {
    eventServerOnly: role === 'eventserver',
  });
}

export function optionalParts(settings: CompileSettings): OptionalParts {
  return {
    s3: settings.s3BucketName !== undefined,
    elasticsearch: settings.elasticsearchUrl !== undefined,
    sparkVersion: settings.sparkVersion,
    hadoopLine: settings.hadoopLine,
  };
}

/** True when the native distribution comes from the buildpack's own checkout (no NATIVE_DIST_URL). */
export function nativeFromCheckout(choice: DistributionChoice, env: Record<string, string | undefined>): boolean {
  return choice.kind === 'native' && !env.NATIVE_DIST_URL?.trim();
}

export interface PlannedInstall {
  choice: DistributionChoice;
  plan: DistributionPlan;
  /** Set when the native distribution was packed (or found packed) from the checkout. */
  nativePack?: PreparedNativePack | undefined;
}

/**
 * Chooses the distribution, announces it (`-----> Installing …`, the reason, warnings) and plans its
 * artifacts; for the native distribution from the checkout, packs it first (or reuses the cached pack).
 */
export async function chooseAndPlan(
  input: ChoiceInput & {
    env: Record<string, string | undefined>;
    sourceRoot: string;
    cache: ArtifactCache;
    output: Output;
  },
): Promise<PlannedInstall> {
  const { env, output } = input;
  const choice = chooseForApp(input);
  const parts = optionalParts(input.settings);
  const announce = (title: string) => {
    output.topic(`Installing ${title}`);
    output.detail(`Chosen: ${choice.reason}`);
    for (const warning of choice.warnings) output.warn(warning);
  };
  if (!nativeFromCheckout(choice, env)) {
    const plan = planDistribution(choice, parts, env);
    announce(plan.title);
    return { choice, plan };
  }
  announce(nativeDistributionTitle(await packageVersion(input.sourceRoot)));
  const nativePack = await prepareNativePack(input.sourceRoot, input.cache, output);
  try {
    return { choice, plan: planDistribution(choice, parts, env, { nativePack: nativePack.pack }), nativePack };
  } catch (error) {
    await nativePack.cleanup();
    throw error;
  }
}

/** Whether an installed distribution carries this very pio-deploy (so the slug needs no second copy). */
export async function sameRuntime(distDir: string, sourceRoot: string): Promise<boolean> {
  try {
    await stat(join(distDir, NATIVE_CLI_MAIN));
    const bundled = JSON.parse(await readFile(join(distDir, 'lib', 'pio-deploy', 'package.json'), 'utf8')) as { version?: unknown };
    return bundled.version === (await packageVersion(sourceRoot));
  } catch {
    return false;
  }
}

export interface JdkSetup {
  /** The JDK this build installed (undefined: one was already provided, found on PATH or in `.jdk`). */
  javaHome: string | undefined;
  sha512?: string | undefined;
  downloaded?: boolean;
}

/**
 * Java 8 for an Apache distribution: nothing to do when one is already provided (heroku/jvm before us,
 * or JAVA_HOME / PATH), otherwise the catalogued JDK (or JDK_URL) installed into `targetDir`.
 */
export async function setUpJdk(
  targetDir: string,
  appDir: string,
  env: Record<string, string | undefined>,
  context: ObtainContext,
): Promise<JdkSetup> {
  const { output } = context;
  const provided = env.JDK_URL?.trim() ? undefined : await providedJava8(appDir, env);
  if (provided) {
    output.topic(`Using Java ${provided.version} (already provided: ${provided.path})`);
    // heroku/jvm's JDK in the app is used by path; a java found on PATH is used as it is.
    return { javaHome: provided.path === join(appDir, '.jdk', 'bin', 'java') ? join(appDir, '.jdk') : undefined };
  }
  const spec = planJdk(env);
  output.topic(`Installing Java 8 (${spec.title})`);
  const installed = await installJdk(spec, targetDir, context);
  output.detail(`Installed Java ${installed.java.version}`);
  return { javaHome: installed.dir, sha512: installed.sha512, downloaded: installed.downloadedBytes > 0 };
}
