// Build step (npm run build, after tsc): bundles the compiled CLI into dist/cli/, one file per lazily loaded
// command, so that a run resolves and loads a few files instead of about 280 modules (start-up is most of a
// one-shot command such as `diagnose`). bin/metallb-runbooks.js runs the bundle; dist/client/ stays for tests.
// The bundle sits at the same depth as dist/client/, so the compiled code's paths relative to import.meta.url
// (../workflow-bundle.js, ../workflows/index.js, ../lab/supervisor.js) hold from both.
import { build, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';

if (!import.meta.url.endsWith('.js')) throw new Error('run the compiled file: node dist/client/bundle-cli.js');

/** Left to Node: native code and packages that find their own files at run time; loaded only by the commands
 * that use them (Temporal, the Kubernetes client, metrics). */
const externalPackages = /^(@temporalio\/|@kubernetes\/client-node|prom-client)/;

const keepExternal: Plugin = {
  name: 'keep-external',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: externalPackages }, (args) => ({ path: args.path, external: true }));
  },
};

const entry = fileURLToPath(new URL('./main.js', import.meta.url));
const outdir = fileURLToPath(new URL('../cli/', import.meta.url));
const started = Date.now();
const result = await build({
  entryPoints: { main: entry },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  outdir,
  plugins: [keepExternal],
  metafile: true,
  logLevel: 'warning',
  // CommonJS packages in the bundle (cli-table3) call require(): give the ES module one.
  banner: {
    js:
      "import { createRequire as __bundleRequire } from 'node:module';\n" +
      'const require = __bundleRequire(import.meta.url);',
  },
});
const files = Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.js'));
console.log(
  `bundled ${entry} into ${outdir} (${files.length} files) in ${((Date.now() - started) / 1000).toFixed(1)}s`,
);
