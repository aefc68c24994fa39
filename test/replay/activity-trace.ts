// Workflow interceptor for replay tests: reports every activity the workflow code schedules, so
// a test can compare the sequence with the recorded history. Replay alone does not notice an
// activity swapped for another at the same position (SDK 1.24).
import { proxySinks, type Sinks, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

export interface TraceSinks extends Sinks {
  trace: { activity(activityType: string): void };
}

const { trace } = proxySinks<TraceSinks>();

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      async scheduleActivity(input, next) {
        trace.activity(input.activityType);
        return next(input);
      },
    },
  ],
});
