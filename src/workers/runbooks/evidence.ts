// Picks the lines of cluster text that carry the diagnosis. The text stays data: it is quoted
// as evidence, never interpreted as instructions.
const SIGNAL = /(panic|fatal|error|exception|traceback|failed|refused|denied|no such|not found|killed|segmentation|oom)/i;

export function keyLogLines(text: string, max = 3): string[] {
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() && !l.startsWith('[… '));
  const hits = lines.filter((l) => SIGNAL.test(l));
  const chosen = hits.length ? hits.slice(0, max) : lines.slice(-max);
  return chosen.map((l) => (l.length > 240 ? `${l.slice(0, 237)}...` : l));
}
