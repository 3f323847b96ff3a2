import type { FormatDefinition } from './format';
import { jsonLineSources } from './json-lines';
import { lineSources, parseJsonObjectRecord } from './parse-helpers';
import { JSON_TIME_FIELDS, jsonRecordTime } from './time';

/** Generic newline-delimited JSON (application logs, WAF, Route 53 Resolver, Network Firewall). */
export const ndjsonFormat: FormatDefinition = {
  name: 'ndjson',
  description: 'One JSON object per line; the object lands in the Record column.',
  columns: [{ name: 'Record', type: 'dynamic', description: 'The parsed JSON object.' }],
  createParser: () => ({
    split: (text) => lineSources(text),
    // The same records, read off the bytes: most lines are never decoded or parsed (json-lines.ts).
    splitBytes: (bytes) => jsonLineSources(bytes, { column: 'Record', timeFields: JSON_TIME_FIELDS }),
    // A line that is valid JSON but not an object (an array, a number) is reported malformed: the
    // Record column and the time lookup both expect an object.
    parse: (text) => parseJsonObjectRecord(text, jsonRecordTime),
  }),
};
