/** The `metallb-runbooks` command line (bin/metallb-runbooks.js runs the compiled copy of this file). */
import { runCli } from './program.js';

const exitCode = await runCli(process.argv);
// On success the process ends once its output is flushed; after a failure, do not wait for a handle a half-done
// command left open (a Temporal connection, a timer).
if (exitCode !== 0) process.exit(exitCode);
