/**
 * An incremental splitter that finds the records inside a JSON text stream without parsing the
 * whole document.
 *
 * Why hand-written: `JSON.parse` needs the whole document in memory, and a CloudTrail file or a
 * JSON array can be hundreds of MB (a single line, once gunzipped). Streaming JSON packages exist,
 * but format modules must stay free of third-party code (`lib/` imports them to build the DCR
 * stream), and only one thing is needed here: the start and end of each record. So this tracks
 * just strings, escapes and bracket depth, slices out each record's text, and leaves the parsing
 * of that one record to the native `JSON.parse`. Memory is one record, capped by `maxRecordLength`.
 *
 * Structure outside the records is checked leniently (a missing comma between two records is not
 * noticed); each record itself is strictly parsed by the format, so a bad record is reported, with
 * the line it starts on, and the records around it still arrive.
 */
import type { SourceItem } from './format';

/**
 * Where the records are:
 * - `documents`: every top-level value is a record, and a top-level array contributes each of its
 *   elements instead. Covers one document, an array, and the concatenated objects without
 *   separators that CloudWatch Logs subscriptions deliver through Firehose.
 * - `cloudtrail`: the elements of the top-level object's `Records` array.
 */
export type JsonSplitMode = 'documents' | 'cloudtrail';

/** Longest record kept, in UTF-16 code units; see `DEFAULT_MAX_LINE_LENGTH` for why this size. */
export const DEFAULT_MAX_RECORD_LENGTH = 8 * 1024 * 1024;

// What a capture is: a container ({...} or [...]), a string, or a bare scalar (number, literal).
const CONTAINER = 0;
const STRING = 1;
const SCALAR = 2;
// Why a value is captured: it is a record, a top-level key (cloudtrail), or a value to step over.
const RECORD = 0;
const KEY = 1;
const SKIP = 2;

const QUOTE = 34;
const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const COMMA = 44;
const COLON = 58;
const NEWLINE = 10;

/** Top-level keys remembered in `cloudtrail` mode (a bound, so a hostile document cannot grow it). */
const MAX_TOP_LEVEL_KEYS = 64;

function kindOf(c: number): number {
  if (c === LBRACE || c === LBRACKET) return CONTAINER;
  if (c === QUOTE) return STRING;
  return SCALAR;
}

/** Characters that end a bare scalar such as `123` or `true`. */
function endsScalar(c: number): boolean {
  return (
    c === 32 ||
    c === NEWLINE ||
    c === 13 ||
    c === 9 ||
    c === COMMA ||
    c === RBRACKET ||
    c === RBRACE ||
    c === COLON ||
    c === LBRACE ||
    c === LBRACKET ||
    c === QUOTE
  );
}

/** Incremental record splitter; see the module comment. Push text chunks, then call `end`. */
export class JsonRecordSplitter {
  /** Top-level keys seen (`cloudtrail` mode), e.g. `digestStartTime` marks a digest file. */
  readonly topLevelKeys = new Set<string>();
  /** Whether a top-level `Records` array was found (`cloudtrail` mode). */
  sawRecords = false;
  /** Whether any top-level value was found at all. */
  sawDocument = false;
  /** Whether the text was abandoned as not this format (already reported as one malformed item). */
  failed = false;

  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;

  private capturing = false;
  private capKind = CONTAINER;
  private capPurpose = RECORD;
  private capDepth = 0;
  private capLine = 0;
  private capParts: string[] = [];
  private capLength = 0;
  private capOversized = false;

  private expectKey = true;
  private lastKey: string | undefined;

  constructor(
    private readonly mode: JsonSplitMode,
    private readonly maxRecordLength: number = DEFAULT_MAX_RECORD_LENGTH,
  ) {}

  /** Scans `chunk`, appending the records completed in it to `out`. */
  push(chunk: string, out: SourceItem[]): void {
    if (this.failed) return;
    const n = chunk.length;
    let i = 0;
    let capStart = this.capturing ? 0 : -1;
    while (i < n) {
      if (this.inString) {
        // Hot path: most of a log's bytes are inside strings, where only an unescaped `"` matters.
        // The native indexOf finds each quote; a run of backslashes just before it decides
        // whether it is escaped (an odd run escapes it).
        if (this.escaped) {
          this.escaped = false;
          i++;
          continue;
        }
        let closed = false;
        while (i < n) {
          const q = chunk.indexOf('"', i);
          if (q === -1) {
            let b = n - 1;
            while (b >= i && chunk.charCodeAt(b) === BACKSLASH) b--;
            this.escaped = (n - 1 - b) % 2 === 1;
            i = n;
            break;
          }
          let b = q - 1;
          while (b >= i && chunk.charCodeAt(b) === BACKSLASH) b--;
          i = q + 1;
          if ((q - 1 - b) % 2 === 0) {
            closed = true;
            break;
          }
        }
        if (!closed) break;
        this.inString = false;
        if (this.capturing && this.capKind === STRING) {
          this.finish(chunk, capStart, i, out);
          capStart = -1;
        }
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (this.capturing) {
        if (this.capKind === SCALAR) {
          if (endsScalar(c)) {
            // The delimiter is not consumed: it is structure for the enclosing level.
            this.finish(chunk, capStart, i, out);
            capStart = -1;
          } else {
            i++;
          }
          continue;
        }
        i++;
        if (c === QUOTE) this.inString = true;
        else if (c === LBRACE || c === LBRACKET) this.depth++;
        else if (c === RBRACE || c === RBRACKET) {
          if (--this.depth === this.capDepth) {
            this.finish(chunk, capStart, i, out);
            capStart = -1;
          }
        } else if (c === NEWLINE) this.line++;
        continue;
      }
      i++;
      if (c === NEWLINE) {
        this.line++;
        continue;
      }
      if (c === 32 || c === 9 || c === 13) continue;
      const started = this.mode === 'documents' ? this.documentsToken(c) : this.cloudtrailToken(c, out);
      if (this.failed) return;
      if (started) capStart = i - 1;
    }
    if (this.capturing) this.carry(chunk, capStart);
  }

  /** Ends the text: flushes a trailing scalar and reports a document cut short. */
  end(out: SourceItem[]): void {
    if (this.failed) return;
    if (this.capturing) {
      if (this.capKind === SCALAR) {
        this.finish('', 0, 0, out);
      } else {
        this.capturing = false;
        const what = this.capPurpose === RECORD ? 'record' : 'document';
        out.push({
          kind: 'malformed',
          lineNumber: this.capLine,
          reason: `the object ends inside the ${what} starting on this line (truncated JSON?)`,
        });
        return;
      }
    }
    if (this.depth > 0) {
      out.push({
        kind: 'malformed',
        lineNumber: this.line,
        reason: 'the object ends before its JSON document is complete (truncated JSON?)',
      });
    }
  }

  private documentsToken(c: number): boolean {
    if (this.depth === 0) {
      this.sawDocument = true;
      if (c === LBRACKET) {
        this.depth = 1;
        return false;
      }
    } else {
      // Inside a top-level array.
      if (c === COMMA) return false;
      if (c === RBRACKET) {
        this.depth = 0;
        return false;
      }
    }
    this.start(kindOf(c), RECORD);
    return true;
  }

  private cloudtrailToken(c: number, out: SourceItem[]): boolean {
    if (this.depth === 0) {
      if (c === LBRACE) {
        this.sawDocument = true;
        this.depth = 1;
        this.expectKey = true;
        return false;
      }
      this.fail(out, 'not a CloudTrail log file: expected a JSON object `{"Records":[...]}`');
      return false;
    }
    if (this.depth === 1) {
      if (c === COMMA || c === COLON) return false;
      if (c === RBRACE) {
        this.depth = 0;
        return false;
      }
      if (this.expectKey) {
        if (c !== QUOTE) {
          this.fail(out, 'not valid JSON (SyntaxError: expected a property name of the top-level object)');
          return false;
        }
        this.start(STRING, KEY);
        return true;
      }
      if (c === LBRACKET && this.lastKey === 'Records') {
        this.depth = 2;
        this.sawRecords = true;
        return false;
      }
      this.start(kindOf(c), SKIP);
      return true;
    }
    // depth 2: inside the Records array.
    if (c === COMMA) return false;
    if (c === RBRACKET) {
      this.depth = 1;
      this.expectKey = true;
      return false;
    }
    this.start(kindOf(c), RECORD);
    return true;
  }

  private fail(out: SourceItem[], reason: string): void {
    this.failed = true;
    out.push({ kind: 'malformed', lineNumber: this.line, reason });
  }

  private start(kind: number, purpose: number): void {
    this.capturing = true;
    this.capKind = kind;
    this.capPurpose = purpose;
    this.capDepth = this.depth;
    this.capLine = this.line;
    this.capLength = 0;
    this.capOversized = false;
    if (kind === CONTAINER) this.depth++;
    else if (kind === STRING) this.inString = true;
  }

  /** Keeps the part of a capture that continues into the next chunk. */
  private carry(chunk: string, capStart: number): void {
    if (this.capPurpose === SKIP || this.capOversized) return;
    this.capLength += chunk.length - capStart;
    if (this.capLength > this.maxRecordLength) {
      this.capOversized = true;
      this.capParts = [];
      return;
    }
    this.capParts.push(capStart === 0 ? chunk : chunk.slice(capStart));
  }

  private finish(chunk: string, capStart: number, end: number, out: SourceItem[]): void {
    this.capturing = false;
    const purpose = this.capPurpose;
    if (purpose === SKIP) {
      this.expectKey = true;
      return;
    }
    const oversized = this.capOversized || this.capLength + (end - capStart) > this.maxRecordLength;
    let text = '';
    if (!oversized) {
      const tail = chunk.slice(capStart, end);
      text = this.capParts.length === 0 ? tail : this.capParts.join('') + tail;
    }
    this.capParts = [];
    if (purpose === RECORD) {
      out.push(
        oversized
          ? {
              kind: 'malformed',
              lineNumber: this.capLine,
              reason: `record longer than ${this.maxRecordLength} characters; skipped without buffering it`,
            }
          : { kind: 'record', text, lineNumber: this.capLine },
      );
      return;
    }
    // A top-level key (cloudtrail mode).
    this.expectKey = false;
    this.lastKey = undefined;
    if (oversized) return;
    try {
      this.lastKey = JSON.parse(text) as string;
    } catch {
      return;
    }
    if (this.topLevelKeys.size < MAX_TOP_LEVEL_KEYS) this.topLevelKeys.add(this.lastKey);
  }
}

/** Splits decoded text into JSON record slots, one array per chunk. */
export async function* jsonSources(
  text: AsyncIterable<string>,
  splitter: JsonRecordSplitter,
): AsyncGenerator<SourceItem[]> {
  for await (const chunk of text) {
    const items: SourceItem[] = [];
    splitter.push(chunk, items);
    if (items.length > 0) yield items;
  }
  const items: SourceItem[] = [];
  splitter.end(items);
  if (items.length > 0) yield items;
}
