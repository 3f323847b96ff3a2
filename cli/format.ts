/** Formatting for terminal tables: thousands separators, human durations, aligned columns. */

/** `1234567` → `1,234,567`; `undefined` → `–` (no data). */
export function formatCount(value: number | undefined): string {
  return value === undefined ? '–' : Math.round(value).toLocaleString('en-US');
}

/** Seconds as the two largest units: `45s`, `4m 12s`, `3h 5m`, `2d 4h`; `undefined` → `–`. */
export function formatAge(seconds: number | undefined): string {
  if (seconds === undefined) return '–';
  const s = Math.max(0, Math.round(seconds));
  const units: [string, number][] = [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || (parts.length > 0 && parts.length < 2)) parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  return parts.length === 0 ? '0s' : parts.join(' ');
}

/**
 * Columns padded to their widest cell; `right[i]` right-aligns column i (numbers). The first row is
 * the header.
 */
export function formatTable(rows: readonly (readonly string[])[], right: readonly boolean[] = []): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => [...(row[column] ?? '')].length)));
  return rows.map((row) =>
    row
      .map((cell, column) => {
        const pad = ' '.repeat(widths[column] - [...cell].length);
        return right[column] ? pad + cell : column === row.length - 1 ? cell : cell + pad;
      })
      .join('  '),
  );
}
