// The one table layout acdctl prints, shared by its commands.

/** Fixed-width columns separated by two spaces, no trailing blanks: the look of `kubectl get`. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const table = [headers, ...rows];
  const widths = headers.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length)));
  return table
    .map((row) =>
      headers
        .map((_, c) => (row[c] ?? '').padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
