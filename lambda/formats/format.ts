import type { Column } from './schema';

/** Formats the forwarder can parse. Adding one is adding a module beside this file and a line in `index.ts`. */
export type FormatName = 'cloudtrail' | 'vpcflow' | 'ndjson' | 'json' | 'text';

/**
 * What a format module declares. The Azure stack builds the DCR stream and the custom table from
 * `columns`; the forwarder emits exactly these columns (plus the provenance columns).
 */
export interface FormatDefinition {
  readonly name: FormatName;
  /** One line for docs and the CLI. */
  readonly description: string;
  /** The format's own columns, without the provenance columns (see `schema.ts`). */
  readonly columns: readonly Column[];
}
