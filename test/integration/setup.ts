import { DefaultLogger, Runtime } from '@temporalio/worker';

// Keep the SDK's per-worker INFO lines out of the test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });
