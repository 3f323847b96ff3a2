import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { columnLookup } from './builtin-columns';
import { AWS_CLOUDWATCH } from './builtin-tables';
import type { FormatDefinition, ParsedRecord, RecordError, SourceItem } from './format';
import { JsonRecordSplitter, jsonSources } from './json-splitter';
import { emptyObject, isObject } from './json-values';
import { describeJson, jsonErrorReason } from './parse-helpers';
import type { Column } from './schema';
import { epochSecondsToIso } from './time';

/**
 * Where each field of a CloudWatch Logs log event goes in Sentinel's AWSCloudWatch table, which has
 * only these two columns besides TimeGenerated. Microsoft's own exporter writes the event's
 * `timestamp` and `message` for it (Azure/Azure-Sentinel, DataConnectors/AWS-S3/CloudFormation/
 * CloudWatch/template_3_AWS_CloudWatch_resources_deployment.json at commit
 * 0252e08b2e35140c5c6f661d8bb584ee0cb941c1), and the table says TimeGenerated "equals ExtractedTime":
 * `timestamp` fills both. Types are the vendored table's (`builtin-tables/aws-cloudwatch.ts`).
 */
export const CLOUDWATCH_FIELD_COLUMNS: ReadonlyMap<string, string> = new Map([
  ['timestamp', 'ExtractedTime'],
  ['message', 'Message'],
]);

const COLUMNS: readonly Column[] = [
  ...[...CLOUDWATCH_FIELD_COLUMNS.values()].map(columnLookup(AWS_CLOUDWATCH)),
  {
    name: ADDITIONAL_FIELDS_COLUMN,
    type: 'string',
    description:
      "Compact JSON object of what AWSCloudWatch has no column for: the subscription record's owner, logGroup, logStream and subscriptionFilters (and any envelope field AWS adds, such as policyLevel), the log event's id, and a timestamp that is not a time.",
  },
];

/** What a record slot's text holds: the envelope of its subscription record, and one log event. */
interface EventSlot {
  readonly envelope: Record<string, unknown>;
  /** Zero-based position of the event in the record's `logEvents`, for error messages. */
  readonly logEventIndex: number;
  readonly logEvent: unknown;
}

/**
 * The first byte of gzip (`1f 8b`), seen in the decoded text when the object was compressed twice:
 * CloudWatch Logs gzips what it sends to Firehose, and a delivery stream with GZIP compression
 * gzips it again. The reader undoes one layer only.
 */
const GZIP_FIRST_CHAR = 0x1f;

const DOUBLE_GZIP_REASON =
  "the object is gzip inside gzip (a Firehose delivery stream with GZIP compression over CloudWatch Logs data, which is already gzipped): set the delivery stream's compression to none, or enable its CloudWatch Logs decompression";

/** Why a CONTROL_MESSAGE gives no row. */
const CONTROL_REASON =
  "a CloudWatch Logs CONTROL_MESSAGE (the subscription's reachability check), not a log event";

/** One subscription record's outcome, before its events are laid out as slots. */
type Expanded = { readonly kind: 'control' } | { readonly kind: 'items'; readonly items: SourceItem[] };

/**
 * The record slots of one subscription record (a JSON document of the object): one per log event of
 * a DATA_MESSAGE, each carrying the record's envelope so that every slot parses on its own, and a
 * continuation skipping N slots skips the same events on every read. A CONTROL_MESSAGE (CloudWatch's
 * check that the destination is reachable) has none.
 */
function expandRecord(text: string, lineNumber: number): Expanded {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'items', items: [{ kind: 'malformed', lineNumber, reason: jsonErrorReason(error) }] };
  }
  const bad = (reason: string): Expanded => ({
    kind: 'items',
    items: [
      { kind: 'malformed', lineNumber, reason: `not a CloudWatch Logs subscription record: ${reason}` },
    ],
  });
  if (!isObject(value)) return bad(`found ${describeJson(value)}, expected a JSON object`);
  const { messageType, logEvents } = value;
  if (messageType === 'CONTROL_MESSAGE') return { kind: 'control' };
  if (messageType !== 'DATA_MESSAGE')
    // The value itself is not quoted: reasons are logged, and must never carry a record's content.
    return bad(
      `messageType is ${messageType === undefined ? 'missing' : `${describeJson(messageType)} other than`} DATA_MESSAGE or CONTROL_MESSAGE`,
    );
  if (!Array.isArray(logEvents)) return bad(`logEvents is ${describeJson(logEvents)}, expected an array`);
  const envelope = emptyObject();
  for (const key in value) if (key !== 'logEvents' && key !== 'messageType') envelope[key] = value[key];
  // Serialized once per record, not per event: only the event differs between the slots.
  const prefix = `{"envelope":${JSON.stringify(envelope)},"logEventIndex":`;
  const items: SourceItem[] = logEvents.map((logEvent: unknown, i) => ({
    kind: 'record',
    text: `${prefix}${i},"logEvent":${JSON.stringify(logEvent) ?? 'null'}}`,
    lineNumber,
  }));
  return { kind: 'items', items };
}

/**
 * A CloudWatch Logs timestamp (epoch milliseconds) as ISO 8601 UTC; `undefined` when it is not one.
 * Not `normalizeTime`: it reads small numbers as seconds, and these are always milliseconds.
 */
function eventTime(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value)
    ? epochSecondsToIso(value / 1000)
    : undefined;
}

function parseSlot(text: string): ParsedRecord | RecordError {
  let slot: EventSlot;
  try {
    slot = JSON.parse(text) as EventSlot;
  } catch (error) {
    // Only the split builds these texts; a failure here is a bug, still isolated to this event.
    return { error: jsonErrorReason(error) };
  }
  const { envelope, logEventIndex, logEvent } = slot;
  const where = `log event ${logEventIndex + 1} of the DATA_MESSAGE starting on this line`;
  if (!isObject(logEvent)) return { error: `${where} is ${describeJson(logEvent)}, expected a JSON object` };
  const { timestamp, message, ...rest } = logEvent;
  if (message !== undefined && typeof message !== 'string')
    return { error: `${where} has a message that is ${describeJson(message)}, expected a string` };

  const additional = emptyObject();
  Object.assign(additional, envelope, rest);
  const fields: Record<string, unknown> = {};
  // An empty message reads in Log Analytics as an absent one (`isempty`): not sent.
  if (message !== undefined && message !== '') fields.Message = message;
  const time = eventTime(timestamp);
  if (time !== undefined) fields.ExtractedTime = time;
  else if (timestamp !== undefined && timestamp !== null) additional.timestamp = timestamp;
  fields[ADDITIONAL_FIELDS_COLUMN] = JSON.stringify(additional);
  return { fields, time };
}

/** `text`, its first chunk looked at: `undefined` when the object is empty. */
async function peekFirst(
  text: AsyncIterable<string>,
): Promise<{ first: string; rest: AsyncIterable<string> } | undefined> {
  const iterator = text[Symbol.asyncIterator]();
  const head = await iterator.next();
  if (head.done === true) return undefined;
  const rest = {
    [Symbol.asyncIterator]: () => {
      let pending: string | undefined = head.value;
      return {
        next: async (): Promise<IteratorResult<string>> => {
          if (pending === undefined) return iterator.next();
          const value = pending;
          pending = undefined;
          return { done: false, value };
        },
        return: async (): Promise<IteratorResult<string>> => {
          await iterator.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { first: head.value, rest };
}

async function* splitObject(text: AsyncIterable<string>): AsyncGenerator<SourceItem[]> {
  const peeked = await peekFirst(text);
  if (peeked === undefined) return;
  if (peeked.first.charCodeAt(0) === GZIP_FIRST_CHAR) {
    yield [{ kind: 'malformed', lineNumber: 1, reason: DOUBLE_GZIP_REASON }];
    return;
  }
  // CONTROL_MESSAGE records (CloudWatch's reachability check when a subscription filter is created)
  // give no row and take no slot: among log events each is a counted `skipped-record`; an object of
  // nothing else is one skipped object. They are held back until the first slot decides which.
  let held: SourceItem[] = [];
  let slots = 0;
  for await (const batch of jsonSources(peeked.rest, new JsonRecordSplitter('documents'))) {
    const items: SourceItem[] = [];
    for (const item of batch) {
      if (item.kind !== 'record') {
        items.push(item);
        continue;
      }
      const expanded = expandRecord(item.text, item.lineNumber);
      if (expanded.kind === 'control') {
        const control: SourceItem = {
          kind: 'skipped-record',
          lineNumber: item.lineNumber,
          reason: CONTROL_REASON,
        };
        if (slots > 0 || items.length > 0) items.push(control);
        else held.push(control);
      } else {
        for (const slot of expanded.items) items.push(slot);
      }
    }
    if (items.length > 0) {
      slots += items.length;
      yield [...held, ...items];
      held = [];
    }
  }
  if (held.length > 0) {
    yield [
      {
        kind: 'skipped-object',
        reason: `CloudWatch Logs CONTROL_MESSAGE records only (${held.length}): the subscription's reachability check, no log events`,
      },
    ];
  }
}

/**
 * CloudWatch Logs subscription records delivered to S3 by Firehose: `{"messageType":"DATA_MESSAGE",
 * "owner":…,"logGroup":…,"logStream":…,"subscriptionFilters":[…],"logEvents":[…]}` documents,
 * concatenated with or without separators, one row per log event in Sentinel's AWSCloudWatch table:
 * `message` as Message, `timestamp` as ExtractedTime and TimeGenerated, the rest (the envelope and
 * the event's id) in {@link ADDITIONAL_FIELDS_COLUMN}. CONTROL_MESSAGE records yield no row: among log
 * events each is a counted `skipped-record`; an object holding only those is one `skipped-object`. A record that is not valid JSON is one
 * malformed slot (its events are lost); the records around it still arrive.
 */
export const cloudwatchFormat: FormatDefinition = {
  name: 'cloudwatch',
  description:
    'CloudWatch Logs subscription records delivered by Firehose, one AWSCloudWatch row per log event; CONTROL_MESSAGE records are skipped.',
  columns: COLUMNS,
  builtinTable: AWS_CLOUDWATCH,
  createParser: () => ({ split: splitObject, parse: parseSlot }),
};
