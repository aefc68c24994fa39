/** Bad usage (unknown flag, missing or contradictory arguments, no worker to run a fix): exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}
