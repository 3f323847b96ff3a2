import type { FormatDefinition } from './format';
import { lineSources } from './parse-helpers';

/** Any line-oriented text: one row per non-empty line, parsed later in the DCR transform or KQL. */
export const textFormat: FormatDefinition = {
  name: 'text',
  description: 'One row per non-empty line of text.',
  columns: [{ name: 'Message', type: 'string', description: 'The line, without its line ending.' }],
  createParser: () => ({
    split: (text) => lineSources(text),
    parse: (text) => ({ fields: { Message: text } }),
  }),
};
