/** The `metallb-runbooks` command line (bin/metallb-runbooks.js runs the compiled copy of this file). */
import { runCli } from './program.js';

/** Resolves once everything written to the stream before has been handed to the OS (writes complete in order). */
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));

const exitCode = await runCli(process.argv);
// On success the process ends once its output is flushed; after a failure, do not wait for a handle a half-done
// command left open (a Temporal connection, a timer). process.exit() drops what a pipe has not taken yet (all but
// the first 64 KiB of a large `-o json` report read through `| jq`), so the output is flushed first.
if (exitCode !== 0) {
  process.exitCode = exitCode;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(exitCode);
}
