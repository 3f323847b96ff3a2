import type { FormatDefinition, ParsedRecord, RecordError } from './format';
import { lineSources } from './parse-helpers';
import type { Column } from './schema';
import { epochSecondsToIso } from './time';

/**
 * The format's columns, each with the flow log field it comes from. Names follow Sentinel's
 * built-in AWSVPCFlow table, so analysts' KQL carries over. `start`/`end` are epoch seconds in the
 * file and become datetimes here.
 */
const COLUMNS: readonly (Column & { readonly field?: string })[] = [
  { name: 'Version', type: 'int', field: 'version' },
  { name: 'AccountId', type: 'string', field: 'account-id' },
  { name: 'InterfaceId', type: 'string', field: 'interface-id' },
  { name: 'SrcAddr', type: 'string', field: 'srcaddr' },
  { name: 'DstAddr', type: 'string', field: 'dstaddr' },
  { name: 'SrcPort', type: 'int', field: 'srcport' },
  { name: 'DstPort', type: 'int', field: 'dstport' },
  { name: 'Protocol', type: 'int', field: 'protocol' },
  { name: 'Packets', type: 'long', field: 'packets' },
  { name: 'Bytes', type: 'long', field: 'bytes' },
  { name: 'FlowStartTime', type: 'datetime', field: 'start' },
  { name: 'FlowEndTime', type: 'datetime', field: 'end' },
  { name: 'Action', type: 'string', field: 'action' },
  { name: 'LogStatus', type: 'string', field: 'log-status' },
  { name: 'VpcId', type: 'string', field: 'vpc-id' },
  { name: 'SubnetId', type: 'string', field: 'subnet-id' },
  { name: 'InstanceId', type: 'string', field: 'instance-id' },
  { name: 'TcpFlags', type: 'int', field: 'tcp-flags' },
  { name: 'TrafficType', type: 'string', field: 'type' }, // `Type` is reserved by Log Analytics
  { name: 'PktSrcAddr', type: 'string', field: 'pkt-srcaddr' },
  { name: 'PktDstAddr', type: 'string', field: 'pkt-dstaddr' },
  { name: 'Region', type: 'string', field: 'region' },
  { name: 'AzId', type: 'string', field: 'az-id' },
  { name: 'SublocationType', type: 'string', field: 'sublocation-type' },
  { name: 'SublocationId', type: 'string', field: 'sublocation-id' },
  { name: 'PktSrcAwsService', type: 'string', field: 'pkt-src-aws-service' },
  { name: 'PktDstAwsService', type: 'string', field: 'pkt-dst-aws-service' },
  { name: 'FlowDirection', type: 'string', field: 'flow-direction' },
  { name: 'TrafficPath', type: 'int', field: 'traffic-path' },
  {
    name: 'AdditionalFields',
    type: 'dynamic',
    description: 'Other header fields (ecs-*, tgw-*, ...) as strings, keyed by their header name.',
  },
];

/** The field order of the default (version 2) format, used when an object has no header line. */
const DEFAULT_HEADER = COLUMNS.slice(0, 14).map((c) => c.field as string);

/** How one position of a line is read. */
interface Slot {
  /** The header's field name. */
  readonly field: string;
  /** The column it fills; absent for fields that go to AdditionalFields. */
  readonly column?: string;
  readonly kind: 'string' | 'integer' | 'epoch' | 'additional';
}

const BY_FIELD = new Map(COLUMNS.filter((c) => c.field !== undefined).map((c) => [c.field as string, c]));

function planFor(header: readonly string[]): Slot[] {
  return header.map((field) => {
    const column = BY_FIELD.get(field);
    if (column === undefined) return { field, kind: 'additional' };
    const kind = column.type === 'datetime' ? 'epoch' : column.type === 'string' ? 'string' : 'integer';
    return { field, column: column.name, kind };
  });
}

/** A header starts with a field name (`version`, `account-id`, ...); a record with a number. */
function isHeader(line: string): boolean {
  const c = line.charCodeAt(0);
  return c >= 97 && c <= 122;
}

function parseLine(plan: readonly Slot[], text: string): ParsedRecord | RecordError {
  let values = text.split(' ');
  // AWS separates fields with one space; tolerate runs of spaces before calling the line malformed.
  if (values.length !== plan.length) values = values.filter((v) => v.length > 0);
  if (values.length !== plan.length) {
    return { error: `${values.length} fields where the header line has ${plan.length}` };
  }
  const fields: Record<string, unknown> = {};
  let additional: Record<string, string> | undefined;
  for (let i = 0; i < plan.length; i++) {
    const value = values[i];
    // `-` is how flow logs write "no value" (NODATA / SKIPDATA records, fields not applicable).
    if (value === '-') continue;
    const slot = plan[i];
    switch (slot.kind) {
      case 'string':
        fields[slot.column as string] = value;
        break;
      case 'integer': {
        const n = Number(value);
        if (!Number.isInteger(n)) return { error: `field ${i + 1} (${slot.field}) is not an integer` };
        fields[slot.column as string] = n;
        break;
      }
      case 'epoch': {
        const n = Number(value);
        const iso = Number.isInteger(n) ? epochSecondsToIso(n) : undefined;
        if (iso === undefined) return { error: `field ${i + 1} (${slot.field}) is not epoch seconds` };
        fields[slot.column as string] = iso;
        break;
      }
      default:
        (additional ??= {})[slot.field] = value;
    }
  }
  if (additional !== undefined) fields.AdditionalFields = additional;
  return { fields, time: fields.FlowStartTime as string | undefined };
}

/**
 * VPC (and Transit Gateway) flow logs delivered to S3: space-delimited text whose first line is a
 * header naming the fields, so custom formats parse by header rather than by position. Standard
 * fields fill their columns; the rest (ecs-*, tgw-*, packets-lost-*) go to AdditionalFields. A line
 * whose field count differs from the header's is reported malformed with its line number.
 */
export const vpcflowFormat: FormatDefinition = {
  name: 'vpcflow',
  description: 'VPC / Transit Gateway flow logs (space-delimited with a header line).',
  columns: COLUMNS.map(({ name, type, description }) =>
    description ? { name, type, description } : { name, type },
  ),
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
