// Bundles the extension host side, the inference worker and its decode thread
// (src/engine/decodeThread.ts, started from dist/ by the worker) as separate entry points.
// Native and editor-provided modules stay external: `vscode` is injected by the editor,
// onnxruntime-node and koffi ship platform binaries that must be loaded from node_modules.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// `--outdir DIR`: npm run package builds its production bundles apart from the dev ones in dist/.
const outdirAt = process.argv.indexOf('--outdir');
const outdir = outdirAt > 0 ? process.argv[outdirAt + 1] : 'dist';

/** @type {esbuild.BuildOptions} */
const options = {
  entryPoints: {
    extension: 'src/extension.ts',
    worker: 'src/worker/main.ts',
    decodeThread: 'src/engine/decodeThread.ts',
    cli: 'src/cli/main.ts',
  },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outdir,
  sourcemap: !production,
  minify: production,
  // web-tree-sitter locates its runtime .wasm via import.meta.url, which a CJS bundle lacks.
  // tsx is named only on the from-sources path of decodeThreadClient (tests), never bundled.
  external: ['vscode', 'onnxruntime-node', 'koffi', 'web-tree-sitter', 'tsx'],
  logLevel: 'warning',
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
