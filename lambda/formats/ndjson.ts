import type { FormatDefinition } from './format';
import { lineSources, parseJsonObjectRecord } from './parse-helpers';
import { jsonRecordTime } from './time';

/** Generic newline-delimited JSON (application logs, WAF, Route 53 Resolver, Network Firewall). */
export const ndjsonFormat: FormatDefinition = {
  name: 'ndjson',
  description: 'One JSON object per line; the object lands in the Record column.',
  columns: [{ name: 'Record', type: 'dynamic', description: 'The parsed JSON object.' }],
  createParser: () => ({
    split: (text) => lineSources(text),
    // A line that is valid JSON but not an object (an array, a number) is reported malformed: the
    // Record column and the time lookup both expect an object.
    parse: (text) => parseJsonObjectRecord(text, jsonRecordTime),
  }),
};
