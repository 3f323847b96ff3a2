import type { FormatDefinition } from './format';
import { JsonRecordSplitter, jsonSources } from './json-splitter';
import { parseJsonObjectRecord } from './parse-helpers';
import { jsonRecordTime } from './time';

/**
 * JSON documents per object: a single object (one row), an array (one row per element), or
 * objects concatenated with or without whitespace between them (CloudWatch Logs subscription
 * records delivered by Firehose). Streamed record by record, never the whole document at once.
 */
export const jsonFormat: FormatDefinition = {
  name: 'json',
  description: 'JSON documents per object: an object is one row, an array one row per element.',
  columns: [{ name: 'Record', type: 'dynamic', description: 'The parsed JSON object.' }],
  createParser: () => ({
    split: (text) => jsonSources(text, new JsonRecordSplitter('documents')),
    // Rows are JSON objects; a scalar (top level or array element) is reported malformed.
    parse: (text) => parseJsonObjectRecord(text, jsonRecordTime),
  }),
};
