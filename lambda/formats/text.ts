import type { FormatDefinition, SourceItem } from './format';
import { lineSources } from './parse-helpers';

/** The magic bytes a Parquet file starts with: binary, never lines of text. */
const PARQUET_MAGIC = 'PAR1';

/**
 * One row per non-empty line; a Parquet file (VPC flow logs can be written so, and a log-archive
 * bucket's catch-all may meet one) is one skipped object rather than rows of binary.
 */
async function* textSources(text: AsyncIterable<string>): AsyncGenerator<SourceItem[]> {
  const chunks = text[Symbol.asyncIterator]();
  let head = '';
  const seen: string[] = [];
  while (head.length < PARQUET_MAGIC.length) {
    const next = await chunks.next();
    if (next.done === true) break;
    seen.push(next.value);
    head += next.value;
  }
  if (head.startsWith(PARQUET_MAGIC)) {
    yield [
      {
        kind: 'skipped-object',
        reason:
          'a Parquet file (binary), not text: write the logs as text, or keep such objects out of this producer',
      },
    ];
    return;
  }
  async function* replay(): AsyncGenerator<string> {
    yield* seen;
    for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) yield next.value;
  }
  yield* lineSources(replay());
}

/** Any line-oriented text: one row per non-empty line, parsed later in the DCR transform or KQL. */
export const textFormat: FormatDefinition = {
  name: 'text',
  description: 'One row per non-empty line of text.',
  columns: [{ name: 'Message', type: 'string', description: 'The line, without its line ending.' }],
  createParser: () => ({
    split: textSources,
    parse: (text) => ({ fields: { Message: text } }),
  }),
};
