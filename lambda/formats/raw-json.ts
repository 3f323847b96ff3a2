/**
 * A column value together with JSON text already known to denote it: the record's own source text,
 * which the parser has just `JSON.parse`d into `value`. A parser may put one in `fields`; the row
 * then holds `value` (what tests and callers read) and the batcher writes `json` verbatim instead
 * of serializing the value a second time (as costly as the parse itself; bench/README.md).
 *
 * `json` must be one JSON value with no surrounding whitespace, and `JSON.parse(json)` must be
 * `value`; the value must not be mutated afterwards (the batcher would still write the old text).
 *
 * The text is what the producer wrote, so it can differ from `JSON.stringify(value)` beyond
 * spacing: numbers JSON.parse rounds (integers past 2^53) or overflows (`1e400`, which
 * JSON.stringify would send as `null`) go as written, and so do duplicate keys.
 */
export class RawJson {
  public constructor(
    public readonly value: unknown,
    public readonly json: string,
  ) {}
}

/** Where a row keeps its columns' {@link RawJson}: not enumerable, so the row itself stays plain. */
const RAW_COLUMNS: unique symbol = Symbol('s3ToSentinel.rawColumns');

/** Records `raw` as the known JSON text of `row`'s columns; `JSON.stringify(row)` is unchanged. */
export function attachRawColumns(row: object, raw: Readonly<Record<string, RawJson>>): void {
  Object.defineProperty(row, RAW_COLUMNS, { value: raw });
}

/** The known JSON text of `row`'s columns, if any were attached. */
export function rawColumnsOf(row: object): Readonly<Record<string, RawJson>> | undefined {
  return (row as { [RAW_COLUMNS]?: Readonly<Record<string, RawJson>> })[RAW_COLUMNS];
}
