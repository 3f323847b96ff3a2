import type { FormatDefinition } from './format';

/** One JSON document per object: a single object (one row) or an array (one row per element). */
export const jsonFormat: FormatDefinition = {
  name: 'json',
  description: 'A JSON document per object: an object is one row, an array one row per element.',
  columns: [{ name: 'Record', type: 'dynamic', description: 'The parsed JSON value.' }],
};
