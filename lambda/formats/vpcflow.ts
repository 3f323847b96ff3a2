import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { columnKinds, columnLookup, TIME_COLUMN } from './builtin-columns';
import { AWS_VPC_FLOW } from './builtin-tables';
import type { FormatDefinition, ParsedRecord, RecordError } from './format';
import { emptyObject } from './json-values';
import { lineSources } from './parse-helpers';
import type { Column } from './schema';
import { epochSecondsToIso } from './time';

/**
 * Each flow log field of versions 2 to 8 that Sentinel's AWSVPCFlow table has a column for, and
 * that column's name, as Microsoft's own DCR for that table maps them (`AWSVPCFlowLogs_DCR.json`;
 * see `test/fixtures/sentinel-content/RESEARCH.md`). Types are not repeated here: they are the
 * vendored table's (`builtin-tables/aws-vpcflow.ts`), looked up by name, so the two cannot drift.
 * Version 6 is Transit Gateway flow logs and version 8 adds only `reject-reason`: neither has a
 * column, so their fields go to {@link ADDITIONAL_FIELDS_COLUMN}.
 */
export const VPCFLOW_FIELD_COLUMNS: ReadonlyMap<string, string> = new Map([
  // Version 2, the default format.
  ['version', 'Version'],
  ['account-id', 'AccountId'],
  ['interface-id', 'InterfaceId'],
  ['srcaddr', 'SrcAddr'],
  ['dstaddr', 'DstAddr'],
  ['srcport', 'SrcPort'],
  ['dstport', 'DstPort'],
  ['protocol', 'Protocol'],
  ['packets', 'Packets'],
  ['bytes', 'Bytes'],
  // The table has no Start column: TimeGenerated is the flow's start, as in Microsoft's DCR.
  ['start', 'TimeGenerated'],
  ['end', 'End'],
  ['action', 'Action'],
  ['log-status', 'LogStatus'],
  // Version 3.
  ['vpc-id', 'VpcId'],
  ['subnet-id', 'SubnetId'],
  ['instance-id', 'InstanceId'],
  ['tcp-flags', 'TcpFlags'],
  ['type', 'TrafficType'],
  ['pkt-srcaddr', 'PktSrcAddr'],
  ['pkt-dstaddr', 'PktDstAddr'],
  // Version 4.
  ['region', 'Region'],
  ['az-id', 'AzId'],
  ['sublocation-type', 'SublocationType'],
  ['sublocation-id', 'SublocationId'],
  // Version 5.
  ['pkt-src-aws-service', 'PktSrcAwsService'],
  ['pkt-dst-aws-service', 'PktDstAwsService'],
  ['flow-direction', 'FlowDirection'],
  ['traffic-path', 'TrafficPath'],
  // Version 7 (ECS).
  ['ecs-cluster-arn', 'EcsClusterArn'],
  ['ecs-cluster-name', 'EcsClusterName'],
  ['ecs-container-instance-arn', 'EcsContainerInstanceArn'],
  ['ecs-container-instance-id', 'EcsContainerInstanceId'],
  ['ecs-container-id', 'EcsContainerId'],
  ['ecs-second-container-id', 'EcsSecondContainerId'],
  ['ecs-service-name', 'EcsServiceName'],
  ['ecs-task-definition-arn', 'EcsTaskDefinitionArn'],
  ['ecs-task-arn', 'EcsTaskArn'],
  ['ecs-task-id', 'EcsTaskId'],
]);

/** The field order of the default (version 2) format, used when an object has no header line. */
const DEFAULT_HEADER = [...VPCFLOW_FIELD_COLUMNS.keys()].slice(0, 14);

/**
 * How a field's text becomes its column's value. `time` is `start`: it becomes the row's
 * TimeGenerated rather than a field.
 */
type Kind = 'string' | 'int' | 'long' | 'datetime' | 'time' | 'additional';

const tableColumn = columnLookup(AWS_VPC_FLOW);
const kindOf = columnKinds(AWS_VPC_FLOW, ['string', 'int', 'long', 'datetime'], 'flow log');

/** How each mapped field is read, by header name. */
const FIELD_PLANS: ReadonlyMap<string, { readonly column: string; readonly kind: Kind }> = new Map(
  [...VPCFLOW_FIELD_COLUMNS].map(([field, name]) => [field, { column: name, kind: kindOf(name) }]),
);

/**
 * The format's columns: the table's own for every mapped field but `start` (TimeGenerated is a
 * provenance column), names, types and descriptions as vendored, then the one `_CF` column.
 */
const COLUMNS: readonly Column[] = [
  ...[...VPCFLOW_FIELD_COLUMNS.values()].filter((name) => name !== TIME_COLUMN).map(tableColumn),
  {
    name: ADDITIONAL_FIELDS_COLUMN,
    type: 'string',
    description:
      'JSON object of the flow log fields AWSVPCFlow has no column for (reject-reason, Transit Gateway fields, later fields), and of integers too large for their column, each as written, keyed by its header name.',
  },
];

/** How one position of a line is read. */
interface Slot {
  /** The header's field name. */
  readonly field: string;
  /** The column it fills; absent for fields that go to the additional fields. */
  readonly column?: string;
  readonly kind: Kind;
}

function planFor(header: readonly string[]): Slot[] {
  return header.map((field) => {
    const plan = FIELD_PLANS.get(field);
    return plan === undefined ? { field, kind: 'additional' } : { field, ...plan };
  });
}

/** A header starts with a field name (`version`, `account-id`, ...); a record with a number. */
function isHeader(line: string): boolean {
  const c = line.charCodeAt(0);
  return c >= 97 && c <= 122;
}

/** Decimal digits only: `Number` alone would also take `1e3`, `0x1f` or `Infinity`. */
const INTEGER = /^-?\d+$/;
/** The range of a Kusto `int` (32-bit). */
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

function parseLine(plan: readonly Slot[], text: string): ParsedRecord | RecordError {
  let values = text.split(' ');
  // AWS separates fields with one space; tolerate runs of spaces before calling the line malformed.
  if (values.length !== plan.length) values = values.filter((v) => v.length > 0);
  if (values.length !== plan.length) {
    return { error: `${values.length} fields where the header line has ${plan.length}` };
  }
  const fields: Record<string, unknown> = {};
  let time: string | undefined;
  let additional: Record<string, string> | undefined;
  for (let i = 0; i < plan.length; i++) {
    const value = values[i];
    // `-` is how flow logs write "no value" (NODATA / SKIPDATA records, fields not applicable). It
    // is omitted, not sent: ASIM reads `PktSrcAwsService != ""` as "an AWS service".
    if (value === '-') continue;
    const slot = plan[i];
    switch (slot.kind) {
      case 'string':
        fields[slot.column as string] = value;
        break;
      case 'int':
      case 'long': {
        if (!INTEGER.test(value)) return { error: `field ${i + 1} (${slot.field}) is not an integer` };
        const n = Number(value);
        const fits = slot.kind === 'int' ? n >= INT_MIN && n <= INT_MAX : Number.isSafeInteger(n);
        // A real value the column cannot hold (Packets is a 32-bit int; a flow of 2^31 packets in
        // one aggregation interval is possible on a large instance). Neither clamped nor left to
        // Azure: the column stays empty and the exact text is kept beside the other fields.
        if (fits) fields[slot.column as string] = n;
        else (additional ??= emptyObject<string>())[slot.field] = value;
        break;
      }
      case 'datetime':
      case 'time': {
        const iso = INTEGER.test(value) ? epochSecondsToIso(Number(value)) : undefined;
        if (iso === undefined) return { error: `field ${i + 1} (${slot.field}) is not epoch seconds` };
        if (slot.kind === 'time') time = iso;
        else fields[slot.column as string] = iso;
        break;
      }
      default:
        (additional ??= emptyObject<string>())[slot.field] = value;
    }
  }
  if (additional !== undefined) fields[ADDITIONAL_FIELDS_COLUMN] = JSON.stringify(additional);
  return { fields, time };
}

/**
 * VPC (and Transit Gateway) flow logs delivered to S3, shaped as Sentinel's built-in AWSVPCFlow
 * table: space-delimited text whose first line is a header naming the fields, so any custom format
 * parses by header rather than by position. Each field of versions 2 to 7 fills its column
 * ({@link VPCFLOW_FIELD_COLUMNS}); `start` becomes TimeGenerated (the S3 event time when it is
 * `-`). Fields with no column are kept in {@link ADDITIONAL_FIELDS_COLUMN}. A line whose field count
 * differs from the header's, or whose numeric or time field is not a number, is reported malformed
 * with its line number.
 */
export const vpcflowFormat: FormatDefinition = {
  name: 'vpcflow',
  description: 'VPC / Transit Gateway flow logs (space-delimited with a header line), as AWSVPCFlow columns.',
  columns: COLUMNS,
  builtinTable: AWS_VPC_FLOW,
  createParser: () => {
    let plan = planFor(DEFAULT_HEADER);
    let headerLine: string | undefined;
    let first = true;
    return {
      split: (text) =>
        lineSources(text, (line) => {
          if (first) {
            first = false;
            if (isHeader(line)) {
              headerLine = line;
              plan = planFor(line.split(' ').filter((f) => f.length > 0));
              return false;
            }
          }
          // Concatenated files repeat their header; it is not a record.
          return line !== headerLine;
        }),
      parse: (text) => parseLine(plan, text),
    };
  },
};
