import type { BuiltinTable } from './builtin-tables';
import type { Column } from './schema';

/** Formats the forwarder can parse. Adding one is adding a module beside this file and a line in `registry.ts`. */
export type FormatName = 'cloudtrail' | 'vpcflow' | 'ndjson' | 'json' | 'text';

/** What a parser needs to know about the object it reads (a subset of the runtime's `ObjectRef`). */
export interface ObjectIdentity {
  readonly bucket: string;
  readonly key: string;
}

/**
 * One record slot found in an object's text, before parsing. Every item except `skipped-object`
 * takes one record index, so a continuation that skips N records skips the same items on every
 * read, malformed ones included.
 */
export type SourceItem =
  /** A record's source text (a line, or one JSON value) and the line it starts on. */
  | { readonly kind: 'record'; readonly text: string; readonly lineNumber: number }
  /** A record known to be bad without parsing it (too long, cut off). */
  | { readonly kind: 'malformed'; readonly lineNumber: number; readonly reason: string }
  /** The whole object is not data for this format (a CloudTrail digest): nothing to send. */
  | { readonly kind: 'skipped-object'; readonly reason: string };

/** A record parsed into the format's columns. */
export interface ParsedRecord {
  /** Values keyed by the format's column names; `undefined`/`null` values are dropped. */
  readonly fields: Record<string, unknown>;
  /** The record's own event time, ISO 8601 UTC; the S3 event time is used when absent. */
  readonly time?: string;
}

/** A record that could not be parsed, and why (shown to the operator with the key and line). */
export interface RecordError {
  readonly error: string;
}

/** Reads one object. Created per object, so it may keep state (a VPC flow log's header line). */
export interface FormatParser {
  /**
   * Splits the object's decoded text into record slots, one array per text chunk so that the
   * per-record work stays synchronous. Must not buffer more than one record's text.
   */
  split(text: AsyncIterable<string>): AsyncIterable<SourceItem[]>;
  /** Parses the text of one `record` slot. Never throws: a bad record is a {@link RecordError}. */
  parse(text: string, lineNumber: number): ParsedRecord | RecordError;
}

/**
 * What a format module declares. The Azure stack builds the DCR stream and the custom table from
 * `columns`; the forwarder emits exactly these columns (plus the provenance columns).
 */
export interface FormatDefinition {
  readonly name: FormatName;
  /** One line for docs and the CLI. */
  readonly description: string;
  /** The format's own columns, without the provenance columns (see `schema.ts`). */
  readonly columns: readonly Column[];
  /**
   * The Sentinel built-in table these columns are shaped for, and so the rows' default
   * destination; `columns` then use the table's names and types.
   * @default - none: the rows go to a custom table `<Name>_CL` built from `columns`
   */
  readonly builtinTable?: BuiltinTable;
  /** A parser for one object of this format. */
  createParser(object: ObjectIdentity): FormatParser;
}
