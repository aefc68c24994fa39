import { proxyActivities } from '@temporalio/workflow';

const { describeLab } = proxyActivities<{ describeLab(): Promise<string> }>({ startToCloseTimeout: '10s' });

/** The smallest workflow that proves a worker, an activity and the server's history all work. */
export async function smokeWorkflow(greeting: string): Promise<string> {
  return `${greeting} from ${await describeLab()}`;
}
