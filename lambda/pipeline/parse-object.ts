import type { FormatName, ParsedRecord } from '../formats/format';
import { FORMATS } from '../formats/registry';
import { byteCounter, decodeText, type ByteCounter } from '../io/object-reader';
import { RowFactory, type ObjectRef, type Row } from '../core/rows';

export type { ObjectRef, Row } from '../core/rows';
export type { ByteCounter } from '../io/object-reader';

/**
 * What reading an object yields, in object order.
 *
 * `index` is the record's zero-based position among the object's records. Malformed records take
 * an index too, so `skipRecords: n` (a continuation) skips exactly the same records on every read
 * and `RecordIndex` values of the rows plus the indexes of the malformed records cover 0..n-1.
 */
export type ParseOutcome =
  | {
      readonly kind: 'row';
      /** Provenance columns plus the format's columns; absent values are omitted, never `null`. */
      readonly row: Row;
      readonly index: number;
      /** Length of the record's source text in UTF-16 code units: a size estimate. */
      readonly bytes?: number;
      /**
       * The format output the row goes to (`ParsedRecord.output`): set, and one the format
       * declares, for every row of a multi-output format; absent for a single-output format.
       */
      readonly output?: string;
    }
  | {
      readonly kind: 'malformed';
      readonly lineNumber: number;
      readonly reason: string;
      readonly index: number;
    }
  /** A record that is not data for the format, counted; it takes no record index. */
  | { readonly kind: 'skipped-record'; readonly lineNumber: number; readonly reason: string }
  /** Nothing in this object is data for the format (a CloudTrail digest); it ends the outcomes. */
  | { readonly kind: 'skipped-object'; readonly reason: string };

/** Options of {@link parseObject}. */
export interface ParseObjectOptions {
  /** Records to pass over without emitting them: resumes a continuation after N records. @default 0 */
  readonly skipRecords?: number;
  /** Receives the object's compressed / uncompressed byte counts as it streams. */
  readonly counter?: ByteCounter;
  /**
   * The format's options, as its `options.parse` returned them (env FORMAT_OPTIONS).
   * @default - the format's defaults
   */
  readonly formatOptions?: unknown;
}

/**
 * Streams an S3 object and parses it with its producer's format, one array of outcomes per
 * decoded chunk of the object. Prefer this in hot loops: it costs one `await` per chunk, not per
 * record. Memory stays bounded by one chunk plus one record, whatever the object's size.
 *
 * @param format the producer's format
 * @param body the GetObject body, gzip or plain (detected by magic bytes)
 * @param object the object's identity, for the provenance columns
 * @throws DecompressionError (from `object-reader`) when a gzip object does not decompress;
 *   errors of `body` itself (a network reset) propagate unchanged
 * @throws RangeError when `object.eventTime` is not a time
 */
export async function* parseObjectBatches(
  format: FormatName,
  body: AsyncIterable<Uint8Array>,
  object: ObjectRef,
  options: ParseObjectOptions = {},
): AsyncGenerator<ParseOutcome[]> {
  const definition = FORMATS[format];
  if (definition === undefined) throw new RangeError(`Unknown format ${JSON.stringify(format)}`);
  const rows = new RowFactory(object);
  const parser =
    options.formatOptions !== undefined
      ? definition.createParser(object, options.formatOptions)
      : definition.createParser(object);
  const skip = options.skipRecords ?? 0;
  const outputs =
    definition.outputs !== undefined ? new Set(definition.outputs.map((o) => o.name)) : undefined;
  let index = 0;
  try {
    const counter = options.counter ?? byteCounter();
    const sources = parser.split(decodeText(body, { counter }));
    for await (const items of sources) {
      const out: ParseOutcome[] = [];
      for (const item of items) {
        if (item.kind === 'skipped-object') {
          out.push(item);
          yield out;
          return;
        }
        if (item.kind === 'skipped-record') {
          // Up to the resume point an earlier invocation read (and counted) it.
          if (skip === 0 || index > skip) out.push(item);
          continue;
        }
        const i = index++;
        // A continuation passes over what an earlier invocation already delivered, unparsed.
        if (i < skip) continue;
        if (item.kind === 'malformed') {
          out.push({ kind: 'malformed', lineNumber: item.lineNumber, reason: item.reason, index: i });
          continue;
        }
        const parsed = parser.parse(item.text, item.lineNumber);
        const error = 'error' in parsed ? parsed.error : outputError(format, outputs, parsed.output);
        if (error !== undefined) {
          out.push({ kind: 'malformed', lineNumber: item.lineNumber, reason: error, index: i });
        } else {
          const { fields, time, output } = parsed as ParsedRecord;
          out.push({
            kind: 'row',
            row: rows.row(i, time, fields),
            index: i,
            bytes: item.text.length,
            ...(output !== undefined ? { output } : {}),
          });
        }
      }
      if (out.length > 0) yield out;
    }
  } finally {
    // A parser may stop without reading the body (a digest recognised by its key); do not leave
    // the GetObject socket open. Harmless on a body that was read to the end.
    (body as { destroy?: () => void }).destroy?.();
  }
}

/**
 * Why a parsed record's `output` cannot be sent, if it cannot: a multi-output format must name one
 * of its outputs, a single-output format none. Either mistake is a bug in the format, reported as
 * a malformed record (never thrown, never sent to a stream that was not declared for it). The
 * reason shows the name only when it has an output name's shape, so it cannot quote a record.
 */
function outputError(
  format: FormatName,
  outputs: ReadonlySet<string> | undefined,
  output: string | undefined,
): string | undefined {
  if (outputs === undefined) {
    return output === undefined
      ? undefined
      : `format ${format} has a single output but named one for this record (a bug in the format)`;
  }
  if (output !== undefined && outputs.has(output)) return undefined;
  const named =
    output === undefined
      ? 'named no output'
      : `named output ${/^[a-z]{1,32}$/.test(output) ? JSON.stringify(output) : '(not an output name)'}, which it does not declare`;
  return `format ${format} ${named} for this record (a bug in the format; its outputs are ${[...outputs].join(', ')})`;
}

/**
 * Streams an S3 object and parses it with its producer's format: `row` outcomes to send,
 * `malformed` ones to log (key, line number, reason) and count, or a single `skipped-object`.
 * See {@link parseObjectBatches} for the same outcomes one chunk at a time.
 *
 * @example
 * for await (const outcome of parseObject('cloudtrail', response.Body, object)) { ... }
 */
export async function* parseObject(
  format: FormatName,
  body: AsyncIterable<Uint8Array>,
  object: ObjectRef,
  options: ParseObjectOptions = {},
): AsyncGenerator<ParseOutcome> {
  for await (const batch of parseObjectBatches(format, body, object, options)) yield* batch;
}
