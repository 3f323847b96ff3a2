import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { builtinColumns, columnKinds } from './builtin-columns';
import {
  AWS_NETWORK_FIREWALL_ALERT,
  AWS_NETWORK_FIREWALL_FLOW,
  AWS_NETWORK_FIREWALL_TLS,
  type BuiltinTable,
} from './builtin-tables';
import type { FormatDefinition, FormatOutput, ParsedRecord, RecordError } from './format';
import { columnPlan, mapRecord, planColumns, type ColumnPlan, type FieldMap } from './json-column-plan';
import { jsonLinesOrDocumentSources } from './json-lines-or-document';
import { isObject } from './json-values';
import { describeJson, parseJsonObject } from './parse-helpers';
import { normalizeTime } from './time';

/**
 * AWS Network Firewall logs delivered to S3: one JSON object per event,
 * `{"firewall_name", "availability_zone", "event_timestamp", "event": {...}}`, where `event` is
 * Suricata's EVE JSON (alert and flow logs) or the firewall's own TLS record. AWS writes compact
 * lines; pretty-printed objects and arrays are read too (the JSON splitter's `documents` mode).
 *
 * Each record goes to one of three outputs, Sentinel's three built-in tables:
 *
 * | output  | records                                                     | table                   |
 * |---------|-------------------------------------------------------------|-------------------------|
 * | `alert` | `event_type` `alert`, and every other type (`http`, `dns`…) | AWSNetworkFirewallAlert |
 * | `flow`  | `event_type` `netflow`                                      | AWSNetworkFirewallFlow  |
 * | `tls`   | `event_type` `tls`, or no `event_type` in a TLS log record   | AWSNetworkFirewallTls   |
 *
 * Where the fields go follows Microsoft's own connector, whose DCR maps each stream to its table
 * (Azure/Azure-Sentinel, `Solutions/Amazon Web Services NetworkFirewall/Data Connectors/
 * AWSNetworkFirewallLogs_CCP/AWSNetworkFirewallLog_DCR.json` at commit
 * 029339474079391785d551806bcab880fd93dbaa, vendored in
 * `test/fixtures/sentinel-content/AWSNetworkFirewall/`), column for column, with these differences:
 *
 * - Microsoft's alert data flow keeps only `event_type == "alert"` and so drops the `http` (and
 *   any other non-alert) events AWS writes to alert logs. Nothing is dropped here: they go to the
 *   alert table, `EventType` holding their type and their own sub-object (`http`…) in
 *   `AdditionalFields_CF`, so `where EventType == "alert"` still selects exactly the alerts.
 * - AWS's TLS log records carry no `event_type` and hold the revocation result under
 *   `event.revocation_check` (AWS's documented example), where Microsoft's transform reads
 *   `event.leaf_cert_fpr`, `event.status` and `event.action`, which such records lack. Both places
 *   fill LeafCertificateFingerprint, Status and Action here (the first found in the record wins).
 * - Microsoft sets TimeGenerated to the ingestion time (`now()`). Here it is the event's own time,
 *   `event.timestamp` (microseconds), else `event_timestamp` (epoch seconds), else the S3 event
 *   time; `Timestamp` (left empty by Microsoft) gets `event.timestamp` in the alert and flow tables.
 * - Fields no column takes are kept, nested as in the record, in `AdditionalFields_CF`, rather
 *   than dropped (Microsoft's `project-away event`).
 *
 * Values are written in the column's type: the tables' string columns (ports, ids, severity,
 * counters) hold the value as text, exactly as written even for an integer past 2^53 (Suricata's
 * `flow_id` is 64-bit); datetime columns ISO 8601 UTC; TCP flags booleans.
 */

/** The row's time only: consumed when it is a usable time (the TLS table has no Timestamp column). */
const ROW_TIME = '<row time>';

/** Members of the record's top level, common to every output. */
function topLevel(event: FieldMap): FieldMap {
  return {
    firewall_name: 'FirewallName',
    availability_zone: 'AvailabilityZone',
    event_timestamp: 'EventTimestamp',
    event,
  };
}

/** The 5-tuple and flow id Suricata writes on every EVE event. */
const EVE_COMMON: FieldMap = {
  event_type: 'EventType',
  flow_id: 'FlowId',
  src_ip: 'SrcIp',
  src_port: 'SrcPort',
  dest_ip: 'DestIp',
  dest_port: 'DestPort',
  proto: 'Proto',
  app_proto: 'AppProto',
  timestamp: 'Timestamp',
};

/** AWSNetworkFirewallAlert, as Microsoft's alert data flow fills it. */
export const ALERT_FIELD_COLUMNS: FieldMap = topLevel({
  ...EVE_COMMON,
  tx_id: 'TxId',
  pkt_src: 'PktSrc',
  direction: 'Direction',
  alert: {
    action: 'AlertAction',
    signature: 'Signature',
    signature_id: 'SignatureId',
    rev: 'Rev',
    category: 'Category',
    severity: 'Severity',
  },
  verdict: { action: 'VerdictAction' },
  tls: { sni: 'Sni', version: 'Version' },
});

/** AWSNetworkFirewallFlow, as Microsoft's flow data flow fills it. */
export const FLOW_FIELD_COLUMNS: FieldMap = topLevel({
  ...EVE_COMMON,
  netflow: {
    pkts: 'NetFlowPkts',
    bytes: 'NetFlowBytes',
    start: 'NetFlowStart',
    end: 'NetFlowEnd',
    age: 'NetFlowAge',
    min_ttl: 'NetFlowMinttl',
    max_ttl: 'NetFlowMaxttl',
  },
  tcp: { tcp_flags: 'TCPFlags', syn: 'Syn', fin: 'Fin', psh: 'Psh', ack: 'Ack', ecn: 'Ecn', rst: 'Rst' },
});

/** AWSNetworkFirewallTls, as Microsoft's TLS data flow fills it, plus AWS's `revocation_check`. */
export const TLS_FIELD_COLUMNS: FieldMap = topLevel({
  src_ip: 'SrcIp',
  src_port: 'SrcPort',
  dest_ip: 'DestIp',
  dest_port: 'DestPort',
  sni: 'Sni',
  leaf_cert_fpr: 'LeafCertificateFingerprint',
  status: 'Status',
  action: 'Action',
  revocation_check: { leaf_cert_fpr: 'LeafCertificateFingerprint', status: 'Status', action: 'Action' },
  tls_error: { error_message: 'ErrorMessage' },
  timestamp: ROW_TIME,
});

/** One output: its name, table, plan and columns (the table's own, in its order, then `_CF`). */
interface Output {
  readonly name: OutputName;
  readonly table: BuiltinTable;
  readonly plan: ColumnPlan;
  readonly definition: FormatOutput;
}

type OutputName = 'alert' | 'flow' | 'tls';

function output(name: OutputName, table: BuiltinTable, map: FieldMap, description: string): Output {
  const kindOf = columnKinds(table, ['string', 'boolean', 'datetime'], 'Network Firewall');
  const plan = columnPlan(map, (column) => (column === ROW_TIME ? 'time' : kindOf(column)));
  const columns = builtinColumns(
    table,
    planColumns(plan).filter((c) => c !== ROW_TIME),
    `Compact JSON object of the record's fields ${table.name} has no column for, nested as in the record (for example ${
      name === 'alert'
        ? 'event.alert.metadata, event.http'
        : name === 'flow'
          ? 'event.netflow.tx_cnt, event.tcp.state'
          : 'event.tls, event.proto'
    }).`,
  );
  return { name, table, plan, definition: { name, description, columns, builtinTable: table } };
}

const ALERT = output(
  'alert',
  AWS_NETWORK_FIREWALL_ALERT,
  ALERT_FIELD_COLUMNS,
  'Alert log events (event_type alert), and the other events of alert logs (http, …), as AWSNetworkFirewallAlert columns.',
);
const FLOW = output(
  'flow',
  AWS_NETWORK_FIREWALL_FLOW,
  FLOW_FIELD_COLUMNS,
  'Flow log events (event_type netflow), as AWSNetworkFirewallFlow columns.',
);
const TLS = output(
  'tls',
  AWS_NETWORK_FIREWALL_TLS,
  TLS_FIELD_COLUMNS,
  'TLS log events (TLS errors and certificate revocation checks), as AWSNetworkFirewallTls columns.',
);

const OUTPUTS: Readonly<Record<OutputName, Output>> = { alert: ALERT, flow: FLOW, tls: TLS };

/** Where AWS writes each log type under a log destination's prefix: `…/network-firewall/<type>/…`. */
const LOG_TYPE_IN_KEY = /(?:^|\/)network-firewall\/(alert|flow|tls)\//;

/** The output a key's log type stands for, when the key follows AWS's layout. */
function outputOfKey(key: string): OutputName | undefined {
  const type = LOG_TYPE_IN_KEY.exec(key)?.[1];
  return type === 'alert' ? 'alert' : type === 'flow' ? 'flow' : type === 'tls' ? 'tls' : undefined;
}

/**
 * The output of a record's event: by `event_type` (`alert`, `netflow`, `tls`; any other type goes
 * to `alert`, see the module's comment), else, for a record without one (AWS's TLS log records),
 * `tls` when the event carries `revocation_check` or `tls_error`, else the log type in the key.
 */
function outputOfEvent(
  event: Record<string, unknown>,
  keyHint: OutputName | undefined,
): Output | RecordError {
  const type = event.event_type;
  if (type === 'netflow') return FLOW;
  if (type === 'tls') return TLS;
  if (typeof type === 'string' && type !== '') return ALERT;
  if (type !== undefined && type !== null && type !== '') {
    return { error: `event.event_type is not a string (found ${describeJson(type)})` };
  }
  if (isObject(event.revocation_check) || isObject(event.tls_error)) return TLS;
  if (keyHint !== undefined) return OUTPUTS[keyHint];
  return {
    error:
      'event has no event_type, no revocation_check or tls_error, and the key is not under ' +
      'network-firewall/<alert|flow|tls>/: cannot tell which log it belongs to',
  };
}

/** The row's time: the event's own (`event.timestamp`), else when the firewall wrote the record. */
function recordTime(record: Record<string, unknown>, event: Record<string, unknown>): string | undefined {
  return normalizeTime(event.timestamp) ?? normalizeTime(record.event_timestamp);
}

function parseRecord(text: string, keyHint: OutputName | undefined): ParsedRecord | RecordError {
  const value = parseJsonObject(text, 'Network Firewall record');
  if (typeof value === 'string') return { error: value };
  const event = value.event;
  if (!isObject(event)) {
    return {
      error:
        event === undefined
          ? 'Network Firewall record has no "event" object'
          : `Network Firewall record's "event" is not an object (found ${describeJson(event)})`,
    };
  }
  const out = outputOfEvent(event, keyHint);
  if ('error' in out) return out;
  // A TLS record's event.timestamp is consumed by the plan; the row's time is recordTime's, for every output.
  const { fields, additional } = mapRecord(out.plan, text, value, {}, normalizeTime);
  if (additional !== undefined) fields[ADDITIONAL_FIELDS_COLUMN] = additional;
  return { fields, time: recordTime(value, event), output: out.name };
}

/** The format's outputs, in order: `alert` first, so the format's own columns are the alert table's. */
export const NETWORK_FIREWALL_OUTPUTS: readonly FormatOutput[] = [ALERT, FLOW, TLS].map((o) => o.definition);

/** AWS Network Firewall alert, flow and TLS logs; see the module's comment. */
export const networkfirewallFormat: FormatDefinition = {
  name: 'networkfirewall',
  description:
    'AWS Network Firewall alert, flow and TLS logs (JSON lines), each event to its table: AWSNetworkFirewallAlert, AWSNetworkFirewallFlow or AWSNetworkFirewallTls.',
  columns: ALERT.definition.columns,
  builtinTable: ALERT.table,
  outputs: NETWORK_FIREWALL_OUTPUTS,
  createParser: (object) => {
    const keyHint = outputOfKey(object.key);
    return {
      // One record per line, so a cut-off line is reported alone (a pretty-printed sample still reads whole).
      split: jsonLinesOrDocumentSources,
      parse: (text) => parseRecord(text, keyHint),
    };
  },
};
