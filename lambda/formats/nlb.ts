import {
  accessLogSources,
  readAccessLogLine,
  type AccessLogLayout,
  type FieldPlan,
  type FieldReader,
} from './access-log-fields';
import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { columnLookup } from './builtin-columns';
import { AWS_NLB_ACCESS_LOGS } from './builtin-tables';
import type { FormatDefinition } from './format';
import type { Column } from './schema';

/**
 * Every field of an NLB access log entry (TLS listeners only), in the order AWS writes them
 * ("Access log entries",
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html),
 * the AWSNLBAccessLogs column each fills, and how it is read. Microsoft's connector maps inside its
 * service; its schema of the connector's custom table (`AWSNLBAccessLogs_CL.json`) names one column
 * per field in this order (`ClientIP_Port`, `TargetIP_Port`, `Connection_Time`, ...), which the
 * built-in table spells without underscores. See
 * `test/fixtures/sentinel-content/AWSNLBAccessLogs/README.md`.
 *
 * Every column but TimeGenerated is a string: numbers are checked and sent as written, and
 * `ip:port` stays whole. NLB writes nothing in quotes; alpn_client_preference_list is a list of
 * quoted protocols (`"h2","http/1.1"`) and is kept with its quotes.
 */
export const NLB_FIELDS: readonly (readonly [field: string, column: string, read: FieldReader])[] = [
  // AWS documents one value, tls; a lower-case word is accepted so a new listener type is kept.
  ['type', 'NLBType', { match: /^[a-z][a-z0-9]*$/, expected: 'a listener type such as tls' }],
  [
    'version',
    'Version',
    { match: /^\d+\.\d+$/, expected: 'a log version such as 2.0 (is the object an NLB access log?)' },
  ],
  // The table has no Time column: TimeGenerated is the entry's time (UTC, written with no offset).
  ['time', 'TimeGenerated', 'time'],
  ['elb', 'Nlb', 'raw'],
  ['listener', 'Listener', 'raw'],
  ['client:port', 'ClientIPPort', 'raw'],
  // The destination is the listener, or the VPC endpoint when the client came through one.
  ['destination:port', 'TargetIPPort', 'raw'],
  ['connection_time', 'ConnectionTime', 'integer-text'],
  ['tls_handshake_time', 'TlsHandshakeTime', 'integer-text'],
  ['received_bytes', 'ReceivedBytes', 'integer-text'],
  ['sent_bytes', 'SentBytes', 'integer-text'],
  ['incoming_tls_alert', 'IncomingTLSAlert', 'raw'],
  ['chosen_cert_arn', 'ChosenCertArn', 'raw'],
  ['chosen_cert_serial', 'ChosenCertSerial', 'raw'],
  ['tls_cipher', 'TLSCipher', 'raw'],
  ['tls_protocol_version', 'TLSProtocolVersion', 'raw'],
  ['tls_named_group', 'TLSNamedGroup', 'raw'],
  ['domain_name', 'DomainName', 'raw'],
  ['alpn_fe_protocol', 'ALPNFEProtocol', 'raw'],
  ['alpn_be_protocol', 'ALPNBEProtocol', 'raw'],
  ['alpn_client_preference_list', 'ALPNClientPrefList', 'raw'],
  ['tls_connection_creation_time', 'TLSConnectionCreationTime', 'raw'],
];

const lookup = columnLookup(AWS_NLB_ACCESS_LOGS);

/** The vendored column named `name`, which must be a string column (or TimeGenerated). */
function tableColumn(name: string): Column {
  const column = lookup(name);
  if (name !== 'TimeGenerated' && column.type !== 'string') {
    throw new Error(`${AWS_NLB_ACCESS_LOGS.name}.${name} is ${column.type}; NLB fields are sent as text`);
  }
  return column;
}

const PLAN: readonly FieldPlan[] = NLB_FIELDS.map(([field, column, read]) => ({
  field,
  read,
  columns: read === 'time' ? [] : [tableColumn(column).name],
}));

const COLUMNS: readonly Column[] = [
  ...NLB_FIELDS.filter(([, , read]) => read !== 'time').map(([, column]) => tableColumn(column)),
  {
    name: ADDITIONAL_FIELDS_COLUMN,
    type: 'string',
    description:
      'JSON object of the fields AWS appends to NLB access log entries after tls_connection_creation_time, as written, in trailing_fields.',
  },
];

const LAYOUT: AccessLogLayout = {
  plan: PLAN,
  // Every documented field: NLB access logs have had all 22 since they were introduced.
  required: NLB_FIELDS.length,
  log: 'NLB',
  format: 'nlb',
  additionalColumn: ADDITIONAL_FIELDS_COLUMN,
  additionalAsText: true,
};

/**
 * Network Load Balancer (TLS listener) access logs, shaped as Sentinel's built-in AWSNLBAccessLogs
 * table: 22 space-separated fields with no header, read by position ({@link NLB_FIELDS}). `-` is
 * "no value" and is omitted; `time` becomes TimeGenerated. Fields AWS appends later are kept in
 * {@link ADDITIONAL_FIELDS_COLUMN}; a line with fewer than 22 fields, or whose version, time or
 * counts do not parse, is reported malformed with its line number. AWS's logging test object is
 * skipped.
 */
export const nlbFormat: FormatDefinition = {
  name: 'nlb',
  description: 'Network Load Balancer TLS access logs (space-separated), as AWSNLBAccessLogs columns.',
  columns: COLUMNS,
  builtinTable: AWS_NLB_ACCESS_LOGS,
  createParser: () => ({
    split: (text) => accessLogSources(text),
    parse: (text) => readAccessLogLine(LAYOUT, text),
  }),
};
