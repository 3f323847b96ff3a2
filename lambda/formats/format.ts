import type { BuiltinTable } from './builtin-tables';
import type { Column } from './schema';

/** Formats the forwarder can parse. Adding one is adding a module beside this file and a line in `registry.ts`. */
export type FormatName =
  | 'cloudtrail'
  | 'vpcflow'
  | 'guardduty'
  | 'securityhub'
  | 'waf'
  | 'alb'
  | 'nlb'
  | 'clb'
  | 's3access'
  | 'route53resolver'
  | 'cloudwatch'
  | 'cloudfront'
  | 'networkfirewall'
  | 'csv'
  | 'ndjson'
  | 'json'
  | 'text';

/** What a parser needs to know about the object it reads (a subset of the runtime's `ObjectRef`). */
export interface ObjectIdentity {
  readonly bucket: string;
  readonly key: string;
}

/**
 * One record slot found in an object's text, before parsing. Every item except `skipped-object`
 * and `skipped-record` takes one record index, so a continuation that skips N records skips the same items on every
 * read, malformed ones included.
 */
export type SourceItem =
  /** A record's source text (a line, or one JSON value) and the line it starts on. */
  | { readonly kind: 'record'; readonly text: string; readonly lineNumber: number }
  /** A record known to be bad without parsing it (too long, cut off). */
  | { readonly kind: 'malformed'; readonly lineNumber: number; readonly reason: string }
  /**
   * A record that is not data for this format (a CloudWatch Logs CONTROL_MESSAGE among log events):
   * no row and no record index, counted (`SkippedRecords`).
   */
  | { readonly kind: 'skipped-record'; readonly lineNumber: number; readonly reason: string }
  /** The whole object is not data for this format (a CloudTrail digest): nothing to send. */
  | { readonly kind: 'skipped-object'; readonly reason: string };

/** A record parsed into the format's columns. */
export interface ParsedRecord {
  /**
   * Values keyed by the column names of the record's output (the format's `columns` for a
   * single-output format); `undefined`/`null` values are dropped.
   */
  readonly fields: Record<string, unknown>;
  /** The record's own event time, ISO 8601 UTC; the S3 event time is used when absent. */
  readonly time?: string;
  /**
   * The {@link FormatOutput} whose stream and table the record's row goes to, by `name`. Required
   * when the format declares `outputs`, absent otherwise. A parser that cannot place a record
   * returns a {@link RecordError} instead; an output the format does not declare is a bug in the
   * format, which the pipeline (`parseObjectBatches`) reports as a malformed record, never sends.
   */
  readonly output?: string;
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
 * One destination of a multi-output format: its rows go to their own DCR stream and table (AWS
 * Network Firewall: `alert`, `flow` and `tls` records of one object go to AWSNetworkFirewallAlert,
 * AWSNetworkFirewallFlow and AWSNetworkFirewallTls).
 *
 * The contract with the Azure side (`lib/`): each output gets its own stream declaration built from
 * `columnsOf(format, output.name)` (provenance columns, then `columns`), in a DCR that writes it to
 * `builtinTable` (or to a custom table of its own when there is none or the producer asks for
 * `custom`), and the forwarder learns each output's stream and DCR immutable ids from the env var
 * DCR_OUTPUTS (`lambda/contract/environment.ts`), keyed by `name`.
 */
export interface FormatOutput {
  /**
   * The output's name: 1 to 32 lower-case ASCII letters (`alert`), unique within the format. It keys
   * DCR_OUTPUTS and {@link ParsedRecord.output}, and may become part of stream and table names.
   */
  readonly name: string;
  /** One line for docs and the CLI. */
  readonly description: string;
  /** The output's own columns, without the provenance columns (see `schema.ts`). */
  readonly columns: readonly Column[];
  /**
   * The Sentinel built-in table these columns are shaped for, and so the output's default
   * destination; `columns` then use the table's names and types.
   * @default - none: the rows go to a custom table built from `columns`
   */
  readonly builtinTable?: BuiltinTable;
}

/**
 * The options a format accepts (env FORMAT_OPTIONS, a producer definition's format options): how
 * to check what the user gave. A format without it takes no options.
 */
export interface FormatOptionsDefinition {
  /**
   * Checks `raw` (parsed JSON, as the user wrote it) and returns the options its parser takes, or
   * a problem naming the field, the value and what is allowed. Never throws.
   */
  parse(raw: unknown): { readonly options?: unknown; readonly problem?: string };
}

/**
 * What a format module declares. The Azure stack builds the DCR stream and the custom table from
 * `columns`; the forwarder emits exactly these columns (plus the provenance columns).
 *
 * A format whose records go to several tables declares `outputs` instead. Its `columns` and
 * `builtinTable` are then those of its first output (the registry checks they are the same
 * objects), so code that knows nothing of outputs still sees one consistent destination; code that
 * builds DCRs must build one stream per output (`outputsOf`, `columnsOf(format, output)`).
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
  /**
   * The format's outputs, when its records go to more than one stream; every parsed record then
   * names its output ({@link ParsedRecord.output}). At least two, names distinct, the first one's
   * `columns` and `builtinTable` being the format's own.
   * @default - none: one output, described by `columns` and `builtinTable`
   */
  readonly outputs?: readonly FormatOutput[];
  /**
   * The options the format takes, and how to check them.
   * @default - none: the format takes no options
   */
  readonly options?: FormatOptionsDefinition;
  /**
   * A parser for one object of this format; `options` are what `options.parse` returned
   * (undefined: the format's defaults).
   */
  createParser(object: ObjectIdentity, options?: unknown): FormatParser;
}
