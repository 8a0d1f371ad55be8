import type { Finding, FindingCategory } from '../../domain/findings.ts';
import type { ModelMessage } from '../../models/model.ts';

/** Tool results in the most recent user messages stay whole when the transcript is compacted. */
const KEEP_RECENT = 2;

/**
 * The tool each result in the user message at `index` answers: the calls of the assistant turn
 * right before it (ids are only unique per turn on some OpenAI-compatible servers).
 */
function toolNames(transcript: ModelMessage[], index: number): Map<string, string> {
  const names = new Map<string, string>();
  const prev = transcript[index - 1];
  if (prev?.role === 'assistant') for (const p of prev.content) if (p.type === 'tool_call') names.set(p.id, p.name);
  return names;
}

/**
 * Frees context before the model's window fills: older tool results are replaced by a note saying
 * what was there and how to get it back. The model's own words and recent results stay.
 * Returns how many characters were elided.
 */
export function compact(transcript: ModelMessage[]): number {
  const users = transcript.flatMap((m, i) => (m.role === 'user' ? [i] : []));
  let freed = 0;
  for (const i of users.slice(0, -KEEP_RECENT)) {
    const names = toolNames(transcript, i);
    for (const part of (transcript[i] as Extract<ModelMessage, { role: 'user' }>).content) {
      if (part.type !== 'tool_result' || part.content.startsWith('[elided')) continue;
      freed += part.content.length;
      part.content = `[elided to fit the context window: ${part.content.length} characters of earlier ${names.get(part.toolCallId) ?? 'tool'} output; call the tool again if you need it]`;
    }
  }
  return freed;
}

/** The model's latest non-empty statement, for a partial answer. */
export function lastStatement(transcript: ModelMessage[]): string | undefined {
  for (let i = transcript.length - 1; i >= 0; i--) {
    const m = transcript[i]!;
    if (m.role !== 'assistant') continue;
    const text = m.content.flatMap((p) => (p.type === 'text' && p.text.trim() ? [p.text.trim()] : [])).join(' ');
    if (text) return text;
  }
  return undefined;
}

/** The tools called so far, in order. */
export function toolsCalled(transcript: ModelMessage[]): string[] {
  return transcript.flatMap((m) =>
    m.role === 'assistant' ? m.content.flatMap((p) => (p.type === 'tool_call' ? [p.name] : [])) : [],
  );
}

/**
 * The analyzers' ranked problems from a `find_problems` result the model already received:
 * deterministic findings a partial answer can stand on when the model could not finish.
 */
export function analyzerFindings(transcript: ModelMessage[], limit = 3): Finding[] {
  for (let i = transcript.length - 1; i >= 0; i--) {
    const m = transcript[i]!;
    if (m.role !== 'user') continue;
    const names = toolNames(transcript, i);
    for (const part of m.content) {
      if (part.type !== 'tool_result' || part.isError || names.get(part.toolCallId) !== 'find_problems') continue;
      const body = /^<cluster-data[^>]*>\n(.*?)(?:\n\[output trimmed[^\n]*)?\n<\/cluster-data>$/s.exec(
        part.content,
      )?.[1];
      try {
        const data = JSON.parse(body ?? '') as {
          problems?: {
            category: FindingCategory;
            summary: string;
            object: Finding['object'];
            evidence?: string[];
            severity?: number;
          }[];
        };
        return (data.problems ?? [])
          .filter((p) => (p.severity ?? 2) >= 2)
          .slice(0, limit)
          .map((p) => ({ category: p.category, summary: p.summary, object: p.object, evidence: p.evidence ?? [] }));
      } catch {
        return [];
      }
    }
  }
  return [];
}
