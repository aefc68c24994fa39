import Table from 'cli-table3';

/** Colour only when a person is watching: a TTY, and NO_COLOR unset. */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

/** A table that carries ANSI styling only on a TTY, so piped output stays plain text. */
export function table(head: string[]): InstanceType<typeof Table> {
  const style = useColor() ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] };
  return new Table({ head, style });
}
