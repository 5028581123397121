/**
 * Text from data or documents (CSV column names that become expert and target names, data paths, declared
 * space titles, parse problems, architecture keys) inserted into Markdown the client renders: escaped, so a
 * name like `[x](command:evil)` or `<img src=x>` shows as those characters instead of a link or HTML.
 */

/**
 * Backslash-escapes the Markdown punctuation that can start a link, image, emphasis, code span, table cell,
 * strikethrough or autolink, and writes `<`, `>`, `&` as entities. An underscore between letters or digits
 * (`zc_c10_synflow`) cannot start emphasis and is left as it is.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*[\]|~:]|[<>&]|_/g, (c, at: number) => {
    if (c === '<') return '&lt;';
    if (c === '>') return '&gt;';
    if (c === '&') return '&amp;';
    if (c === '_' && /[A-Za-z0-9]/.test(text[at - 1] ?? '') && /[A-Za-z0-9]/.test(text[at + 1] ?? '')) return c;
    return `\\${c}`;
  });
}

/** A code span that shows `text` verbatim: fenced by more backticks than any run inside it, on one line. */
export function codeSpan(text: string): string {
  const line = text.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || line.startsWith(' ') || line.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${line}${pad}${fence}`;
}
