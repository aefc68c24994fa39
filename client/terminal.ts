import Table from 'cli-table3';
import type { ServiceIpChange } from '../domain/runbooks/types.js';

/** Colour only when a person is watching: a TTY, and NO_COLOR unset. */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

/** A table that carries ANSI styling only on a TTY, so piped output stays plain text. */
export function table(head: string[]): InstanceType<typeof Table> {
  const style = useColor() ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] };
  return new Table({ head, style });
}

/** Every Service's IPs before and after a change, one row each, marking the ones that changed. */
export function serviceIpTable(services: readonly ServiceIpChange[]): string {
  const rows = table(['Service', 'IPs before', 'IPs after', '']);
  for (const service of services)
    rows.push([
      service.service,
      service.before.join(', ') || '<none>',
      service.after.join(', ') || '<none>',
      service.before.join() === service.after.join() ? 'unchanged' : 'CHANGED',
    ]);
  return rows.toString();
}
