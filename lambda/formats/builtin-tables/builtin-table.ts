import type { Column } from '../schema';

/**
 * A table Microsoft defines in every Sentinel workspace's schema (not a `<Name>_CL` table we create),
 * vendored as data so the forwarder's rows and the DCR can be checked against it without a workspace.
 */
export interface BuiltinTable {
  /** The table's name, as KQL queries it (`AWSCloudTrail`). */
  readonly name: string;
  /** The DCR output stream that writes to it: `Microsoft-<Table>`. */
  readonly stream: `Microsoft-${string}`;
  /**
   * The columns a producer may send, types spelled in the shared vocabulary. Names are exactly as
   * the table spells them: KQL column names are case-sensitive (`UserIdentityPrincipalid`, `AWSRegion`).
   */
  readonly columns: readonly Column[];
  /** Columns Azure fills itself: never sent, never declared in a DCR stream. */
  readonly systemColumns: readonly Column[];
}

/**
 * The standard columns Azure Monitor adds to every table, beyond those a table's reference page lists
 * (MicrosoftDocs/azure-monitor-docs, `articles/azure-monitor/logs/log-standard-columns.md` at commit
 * 04f72d4a9174fd66a95e055400e9b8af4c39872c). `_TimeReceived` is computed when queried.
 */
export const STANDARD_SYSTEM_COLUMNS: readonly Column[] = [
  { name: '_ItemId', type: 'string', description: 'A unique identifier for the record.' },
  {
    name: '_ResourceId',
    type: 'string',
    description: 'A unique identifier for the resource that the record is associated with.',
  },
  {
    name: '_SubscriptionId',
    type: 'string',
    description: 'The subscription ID of the resource that the record is associated with.',
  },
  {
    name: '_TimeReceived',
    type: 'datetime',
    description: 'The date and time that the record was received by the Azure Monitor ingestion point.',
  },
];
