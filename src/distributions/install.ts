import { mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { pathExists } from '../lib/fs-checks.js';
import { obtainArtifact, type ObtainContext, type ObtainedArtifact } from './obtain.js';
import type { DistributionPlan } from './plan.js';
import { installFile, unpackTarball } from './unpack.js';

/** Where a distribution lives inside an app, at build and run time (team interface). */
export const DISTRIBUTION_DIR = 'PredictionIO-dist';
/** Written into the installed distribution: which kind/version it is and what it was built from. */
export const DISTRIBUTION_MANIFEST = '.pio-deploy-distribution.json';

export interface DistributionManifest {
  kind: DistributionPlan['kind'];
  version: string;
  title: string;
  artifacts: { name: string; file: string; sha512: string }[];
}

export interface InstalledDistribution {
  dir: string;
  manifest: DistributionManifest;
  downloadedBytes: number;
}

/**
 * Installs a distribution of either kind into `<appDir>/PredictionIO-dist`: obtains every artifact
 * (cache or verified download), assembles them in a staging dir inside the app and swaps it into place.
 * Any failure leaves the app as it was: no partial `PredictionIO-dist`.
 */
export async function installDistribution(
  plan: DistributionPlan,
  appDir: string,
  context: ObtainContext,
): Promise<InstalledDistribution> {
  return installDistributionTo(plan, join(appDir, DISTRIBUTION_DIR), context);
}

/** The same install into any directory (a CNB layer); the staging dir sits next to it. */
export async function installDistributionTo(
  plan: DistributionPlan,
  target: string,
  context: ObtainContext,
): Promise<InstalledDistribution> {
  const obtained: ObtainedArtifact[] = [];
  for (const artifact of plan.artifacts) obtained.push(await obtainArtifact(artifact, context));

  const staging = await mkdtemp(join(dirname(target), `.${basename(target)}.staging-`));
  try {
    const root = join(staging, 'dist');
    // The artifact unpacked at the root goes first: it creates the tree the others are added to.
    const ordered = [...obtained].sort((a, b) => rootFirst(a) - rootFirst(b));
    for (const item of ordered) {
      const step = item.spec.install;
      if (step.type === 'unpack') {
        await unpackTarball(item.path, step.dir ? join(root, step.dir) : root, item.spec.title);
      } else {
        await installFile(item.path, join(root, step.path));
      }
    }
    const manifest: DistributionManifest = {
      kind: plan.kind,
      version: plan.version,
      title: plan.title,
      artifacts: obtained.map((item) => ({
        name: item.spec.name,
        file: item.spec.install.type === 'file' ? item.spec.install.path : item.spec.install.dir || '.',
        sha512: item.sha512,
      })),
    };
    await writeFileAtomic(join(root, DISTRIBUTION_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    if (await pathExists(target)) await rename(target, join(staging, 'previous'));
    await rename(root, target);
    return { dir: target, manifest, downloadedBytes: obtained.reduce((sum, item) => sum + item.downloadedBytes, 0) };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function rootFirst(item: ObtainedArtifact): number {
  return item.spec.install.type === 'unpack' && item.spec.install.dir === '' ? 0 : 1;
}
