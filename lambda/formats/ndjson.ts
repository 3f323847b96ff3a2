import type { FormatDefinition } from './format';

/** Generic newline-delimited JSON (application logs, WAF, Route 53 Resolver, Network Firewall). */
export const ndjsonFormat: FormatDefinition = {
  name: 'ndjson',
  description: 'One JSON object per line; the object lands in the Record column.',
  columns: [{ name: 'Record', type: 'dynamic', description: 'The parsed JSON object.' }],
};
