/** A column of {@link formatTable}. */
export interface TableColumn<Row> {
  header: string;
  value: (row: Row) => string;
  align?: 'left' | 'right';
}

/** Visible width of a string (ANSI colour codes do not count). */
export function visibleWidth(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI escape sequences
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** Formats rows as an aligned plain-text table (a header line, a rule, one line per row). */
export function formatTable<Row>(
  columns: readonly TableColumn<Row>[],
  rows: readonly Row[],
): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, index) =>
    Math.max(visibleWidth(column.header), ...cells.map((line) => visibleWidth(line[index] ?? ''))),
  );
  const pad = (text: string, index: number): string => {
    const fill = ' '.repeat(Math.max(0, (widths[index] ?? 0) - visibleWidth(text)));
    return columns[index]?.align === 'right' ? fill + text : text + fill;
  };
  const line = (values: readonly string[]): string =>
    values
      .map((value, index) => pad(value, index))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((column) => column.header)),
    line(widths.map((width) => '-'.repeat(width))),
    ...cells.map(line),
  ].join('\n');
}
