// `metallb-runbooks plan`: flags only; plan-run.ts (the cluster reader, zod, the planner) loads when it runs.
import type { Command } from 'commander';
import type { ChangePlan } from '../../domain/plan/types.js';

/** Plans with the given flags (as commander names them); loads the implementation on first use. */
export async function runPlan(raw: unknown): Promise<{ plan: ChangePlan; exitCode: number; text: string }> {
  const implementation = await import('./plan-run.js');
  return implementation.runPlan(raw);
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Registers `plan`. */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('validate a MetalLB config change, show what it does to every Service, and the safe order of steps')
    .option('-f, --filename <file|dir>', 'desired config: multi-document YAML of MetalLB kinds (repeatable)', collect)
    .option('--prune', 'delete MetalLB config objects absent from the files (needs -l or --all)')
    .option('-l, --selector <key=value,...>', 'with --prune: only objects with these labels')
    .option('--all', 'with --prune: every MetalLB config object in the namespace')
    .option('--allow-ip-changes', 'accept a plan that moves or drops Service IPs')
    .option('-o, --output <format>', 'human, json (schemas/change-plan.v1.json) or markdown', 'human')
    .option('--detailed-exitcode', 'exit 3 when the plan is valid, safe and changes something')
    .option('--from-file <files...>', 'plan against `kubectl get ... -o yaml` dumps instead of a cluster')
    .option('--metallb-version <vX.Y.Z>', 'MetalLB version to plan for (default: from the controller image)')
    .option('--bgp-type <type>', 'native, frr or frr-k8s (default: the speaker METALLB_BGP_TYPE)')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('--lab', 'plan against the local lab (npm run lab -- up)')
    .option('--metallb-namespace <ns>', "MetalLB's namespace (default: found from the controller workload)")
    .action(async (opts: Record<string, unknown>) => {
      const { text, exitCode } = await runPlan(opts);
      console.log(text);
      process.exitCode = exitCode;
    });
}
