/** Parses kubectl-style durations ("90s", "30m", "1h", "2h30m", "1d") into seconds; null if invalid. */
export function parseDurationSeconds(text: string): number | null {
  const trimmed = text.trim();
  if (!/^(\d+[smhd])+$/.test(trimmed)) return null;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
  let total = 0;
  for (const [, amount, suffix] of trimmed.matchAll(/(\d+)([smhd])/g)) {
    total += Number(amount) * unit[suffix!]!;
  }
  return total > 0 ? total : null;
}
