/** Escapes text for Slack mrkdwn so cluster data cannot ping channels or forge links. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts text to Slack's limits with a visible marker. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 14)}\n… (truncated)`;
}

/** A code block that survives backticks in the content. */
export function codeBlock(text: string, max = 2800): string {
  return `\`\`\`${clip(esc(text).replace(/```/g, "'''"), max)}\`\`\``;
}

/** A message's permalink, in Slack's form, when the workspace URL and the message are known. */
export function permalink(
  workspaceUrl: string | undefined,
  channel: string | null,
  ts: string | null,
): string | undefined {
  return workspaceUrl && channel && ts
    ? `${workspaceUrl.replace(/\/?$/, '/')}archives/${channel}/p${ts.replace('.', '')}`
    : undefined;
}
