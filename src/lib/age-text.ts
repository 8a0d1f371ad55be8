/** An age in hours as people say it: `12 min`, `5.5h`, `3 days`. */
export function ageText(hours: number | undefined): string {
  if (hours === undefined || !Number.isFinite(hours)) return 'an unknown time';
  if (hours < 1) return `${Math.max(0, Math.round(hours * 60))} min`;
  if (hours < 48) return `${Math.round(hours * 10) / 10}h`;
  return `${Math.round(hours / 24)} days`;
}
