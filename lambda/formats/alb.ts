import {
  accessLogSources,
  readAccessLogLine,
  type AccessLogLayout,
  type FieldPlan,
  type FieldReader,
} from './access-log-fields';
import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { columnLookup } from './builtin-columns';
import { AWS_ALB_ACCESS_LOGS } from './builtin-tables';
import type { FormatDefinition } from './format';
import type { Column } from './schema';

/**
 * Every field of an ALB access log entry, in the order AWS writes them ("Access log entries",
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html),
 * and the AWSALBAccessLogs columns each fills. Microsoft's connector does its mapping inside its
 * service; the order and names follow Microsoft's own schema of the connector's custom table
 * (`AWSALBAccessLogs_CL.json`, which lists the columns in this field order; see
 * `test/fixtures/sentinel-content/AWSALBAccessLogs/README.md`). Types are the vendored table's,
 * looked up by name, so they cannot drift.
 */
export const ALB_FIELD_COLUMNS: ReadonlyMap<string, readonly string[]> = new Map([
  ['type', ['ALBType']],
  // The table has no Time column: TimeGenerated is the entry's time, which Microsoft's schema
  // lists first. (The table's description of TimeGenerated says "received the request", which is
  // request_creation_time in AWS's words; that has its own column, RequestCreationTime.)
  ['time', ['TimeGenerated']],
  ['elb', ['Alb']],
  ['client:port', ['ClientIp', 'ClientPort']],
  ['target:port', ['TargetIp', 'TargetPort']],
  ['request_processing_time', ['RequestProcessingTime']],
  ['target_processing_time', ['TargetProcessingTime']],
  ['response_processing_time', ['ResponseProcessingTime']],
  ['elb_status_code', ['ElbStatusCode']],
  ['target_status_code', ['TargetStatusCode']],
  ['received_bytes', ['ReceivedBytes']],
  ['sent_bytes', ['SentBytes']],
  ['request', ['RequestRaw']],
  ['user_agent', ['UserAgent']],
  ['ssl_cipher', ['SslCipher']],
  ['ssl_protocol', ['SslProtocol']],
  ['target_group_arn', ['TargetGroupArn']],
  ['trace_id', ['TraceId']],
  ['domain_name', ['DomainName']],
  ['chosen_cert_arn', ['ChosenCertArn']],
  ['matched_rule_priority', ['MatchedRulePriority']],
  ['request_creation_time', ['RequestCreationTime']],
  ['actions_executed', ['ActionsExecuted']],
  ['redirect_url', ['RedirectUrl']],
  // AWS's error_reason is set for failed authenticate actions and Lambda targets; the table names
  // it for the latter.
  ['error_reason', ['LambdaErrorReason']],
  ['target:port_list', ['TargetPortList']],
  ['target_status_code_list', ['TargetStatusCodeList']],
  ['classification', ['Classification']],
  ['classification_reason', ['ClassificationReason']],
  ['conn_trace_id', ['ConnTraceId']],
  // Added in 2025 with URL and host header rewrites; the table has no column for them.
  ['transformed_host', []],
  ['transformed_uri', []],
  ['request_transform_status', []],
]);

/**
 * Fields every entry has: through classification_reason. Entries written before conn_trace_id
 * (2024) end there; the sample `alb/elb_empty_line.log` is one.
 */
const REQUIRED_FIELDS = 29;

/** The documented request types; AWS says to ignore any other value, so such a line is refused. */
const TYPE: FieldReader = {
  match: /^(?:http|https|h2|grpcs|ws|wss)$/,
  expected: 'one of http, https, h2, grpcs, ws, wss (is the object an ALB access log?)',
};

/**
 * Fields checked but kept as written, because the table types them string: the durations (ALB
 * writes `-1` there), the rule priority and the request's time.
 */
const CHECKED_TEXT: ReadonlyMap<string, FieldReader> = new Map<string, FieldReader>([
  ['request_processing_time', 'decimal-text'],
  ['target_processing_time', 'decimal-text'],
  ['response_processing_time', 'decimal-text'],
  ['matched_rule_priority', 'integer-text'],
  ['request_creation_time', 'time-text'],
]);

const tableColumn = columnLookup(AWS_ALB_ACCESS_LOGS);

function readerOf(field: string, columns: readonly string[]): FieldReader {
  if (field === 'type') return TYPE;
  if (columns.length === 0) return 'additional';
  if (columns.length === 2) return 'ip-port';
  if (columns[0] === 'TimeGenerated') return 'time';
  const checked = CHECKED_TEXT.get(field);
  if (checked !== undefined) return checked;
  const { type } = tableColumn(columns[0]);
  if (type === 'string' || type === 'int' || type === 'long') return type;
  throw new Error(`${AWS_ALB_ACCESS_LOGS.name}.${columns[0]} is ${type}, which no ALB field fills`);
}

const PLAN: readonly FieldPlan[] = [...ALB_FIELD_COLUMNS].map(([field, columns]) => ({
  field,
  columns,
  read: readerOf(field, columns),
}));

/**
 * The format's columns: the table's own for every mapped field (TimeGenerated is a provenance
 * column), names, types and descriptions as vendored, then the one `_CF` column.
 */
const COLUMNS: readonly Column[] = [
  ...[...ALB_FIELD_COLUMNS.values()]
    .flat()
    .filter((name) => name !== 'TimeGenerated')
    .map(tableColumn),
  {
    name: ADDITIONAL_FIELDS_COLUMN,
    type: 'string',
    description:
      'JSON object of the ALB access log fields AWSALBAccessLogs has no column for (transformed_host, transformed_uri, request_transform_status), keyed by field name; of fields AWS appends later, as written, in trailing_fields; and of integers too large for their column.',
  },
];

const LAYOUT: AccessLogLayout = {
  plan: PLAN,
  required: REQUIRED_FIELDS,
  log: 'ALB',
  format: 'alb',
  additionalColumn: ADDITIONAL_FIELDS_COLUMN,
  additionalAsText: true,
};

/**
 * Application Load Balancer access logs, shaped as Sentinel's built-in AWSALBAccessLogs table:
 * space-separated fields with no header, some in double quotes, read by position
 * ({@link ALB_FIELD_COLUMNS}). `-` (quoted or not) is "no value" and is omitted; `time` becomes
 * TimeGenerated. Entries from before conn_trace_id (29 fields) are read as they are, fields AWS
 * appends after the last known one are kept in {@link ADDITIONAL_FIELDS_COLUMN}, and a line with
 * fewer than 29 fields, an unknown type, or a number or time that does not parse is reported
 * malformed with its line number. AWS's logging test object is skipped.
 */
export const albFormat: FormatDefinition = {
  name: 'alb',
  description:
    'Application Load Balancer access logs (space-separated, quoted fields), as AWSALBAccessLogs columns.',
  columns: COLUMNS,
  builtinTable: AWS_ALB_ACCESS_LOGS,
  createParser: () => ({
    split: (text) => accessLogSources(text),
    parse: (text) => readAccessLogLine(LAYOUT, text),
  }),
};
