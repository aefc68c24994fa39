// `metallb-runbooks demo`: registration only; demo-run.ts (the lab, Kubernetes clients) loads when it runs.
import type { Command } from 'commander';

/** Registers `demo`. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'start the local lab if needed, create a pool, an L2 advertisement and a LoadBalancer Service, ' +
        'show the IP MetalLB assigns',
    )
    .action(async () => {
      const { runDemo } = await import('./demo-run.js');
      await runDemo();
    });
}
