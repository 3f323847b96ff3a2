import type { SourceItem } from './format';
import { JsonRecordSplitter, jsonSources } from './json-splitter';
import { lineSources } from './parse-helpers';

/**
 * How far into an object the format looks for the end of its first line, in UTF-16 code units. A
 * first line longer than this is a compact record, not the `{` or `[` a pretty-printed document
 * starts with.
 */
const FIRST_LINE_PEEK = 64 * 1024;

/**
 * Whether text that starts with `head` is one JSON document (or array) rather than one JSON value
 * per line, or `undefined` until its first line is complete. A document's first line is `{` alone
 * (how `JSON.stringify(v, null, 2)`, `jq` and Python indent) or starts with `[`; a compact record
 * line starts with `{"`. Deciding on the first line only keeps a cut-off line in line mode from
 * swallowing the lines after it.
 */
function isDocument(head: string, ended: boolean): boolean | undefined {
  const start = head.search(/\S/);
  if (start === -1) return ended || head.length > FIRST_LINE_PEEK ? false : undefined;
  if (head[start] === '[') return true;
  if (head[start] !== '{') return false;
  const newline = head.indexOf('\n', start);
  if (newline === -1) return ended || head.length - start > FIRST_LINE_PEEK ? false : undefined;
  return head.slice(start, newline).trim() === '{';
}

/**
 * Record slots of a JSON log AWS delivers to S3 as one compact object per line (Route 53 Resolver
 * query logs, WAF logs), read one line per record so a bad line is reported alone. An object whose
 * first line shows it is one pretty-printed document or an array (hand-made files, samples from the
 * docs) is read with the JSON splitter instead: one record per document or element, each with the
 * line it starts on. Looks at the first line only, so the choice is the same on every read and
 * continuation offsets hold.
 */
export async function* jsonLinesOrDocumentSources(text: AsyncIterable<string>): AsyncGenerator<SourceItem[]> {
  const chunks = text[Symbol.asyncIterator]();
  const head: string[] = [];
  let seen = '';
  let document: boolean | undefined;
  let ended = false;
  while (document === undefined) {
    const next = await chunks.next();
    ended = next.done === true;
    if (!ended) {
      head.push(next.value as string);
      seen += next.value as string;
    }
    document = isDocument(seen, ended);
  }
  async function* replay(): AsyncGenerator<string> {
    yield* head.splice(0);
    if (ended) return;
    for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) yield next.value;
  }
  yield* document ? jsonSources(replay(), new JsonRecordSplitter('documents')) : lineSources(replay());
}
