import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { AWS_WAF } from './builtin-tables';
import type { FormatDefinition, ParsedRecord, RecordError } from './format';
import { describeJson, jsonErrorReason } from './parse-helpers';
import { jsonLinesOrDocumentSources } from './json-lines-or-document';
import type { Column } from './schema';
import { normalizeTime } from './time';

/**
 * Where each AWS WAF log field goes in Sentinel's AWSWAF table, by the table's own column names.
 * Microsoft's WAF connector maps inside its service (its DCR routes `Microsoft-AWSWAF` unchanged),
 * so the columns are those the table reference describes with each field's words, and the shapes
 * are those ASIM's `vimWebSessionAWSWAF` reads: `parse_json(HttpRequest)` with its `clientIp`,
 * `headers`, `uri`, ... as AWS writes them. So `httpRequest` fills HttpRequest whole AND its members
 * fill their own columns. Types are the vendored table's (`builtin-tables/aws-waf.ts`): the lists
 * and objects are dynamic, responseCodeSent an int, the rest strings. Fields not listed
 * (ja4Fingerprint, fields AWS adds later) go to {@link ADDITIONAL_FIELDS_COLUMN}.
 */
export const WAF_FIELD_COLUMNS: ReadonlyMap<string, string> = new Map([
  // The table has no column for the log's own time: TimeGenerated is timestamp (epoch milliseconds).
  ['timestamp', 'TimeGenerated'],
  ['formatVersion', 'FormatVersion'],
  ['webaclId', 'WebAclId'],
  ['terminatingRuleId', 'TerminatingRuleId'],
  ['terminatingRuleType', 'TerminatingRuleType'],
  ['action', 'Action'],
  ['terminatingRuleMatchDetails', 'TerminatingRuleMatchDetails'],
  ['httpSourceName', 'HttpSourceName'],
  ['httpSourceId', 'HttpSourceId'],
  ['ruleGroupList', 'RuleGroupList'],
  ['rateBasedRuleList', 'RateBasedRuleList'],
  ['nonTerminatingMatchingRules', 'NonTerminatingMatchingRules'],
  ['requestHeadersInserted', 'RequestHeadersInserted'],
  ['responseCodeSent', 'ResponseCodeSent'],
  ['httpRequest', 'HttpRequest'],
  ['labels', 'Labels'],
  ['captchaResponse', 'CaptchaResponse'],
  ['challengeResponse', 'ChallengeResponse'],
  ['oversizeFields', 'OversizeFields'],
  ['ja3Fingerprint', 'Ja3Fingerprint'],
  // Top-level in WAF Classic logs; WAF v2 writes these inside ruleGroupList's elements only.
  ['terminatingRule', 'TerminatingRule'],
  ['ruleGroupId', 'RuleGroupId'],
  ['excludedRules', 'ExcludedRules'],
]);

/**
 * The members of `httpRequest` that also have a column of their own. `scheme`, `host` and
 * `fragment` have none; they stay in HttpRequest, where ASIM reads them.
 */
export const WAF_HTTP_REQUEST_COLUMNS: ReadonlyMap<string, string> = new Map([
  ['clientIp', 'ClientIp'],
  ['country', 'Country'],
  ['headers', 'Headers'],
  ['uri', 'Uri'],
  ['args', 'Args'],
  ['httpVersion', 'HttpVersion'],
  ['httpMethod', 'HttpMethod'],
  ['requestId', 'RequestId'],
]);

/**
 * Fields every WAF log record has (AWS's "Log fields for web ACL traffic"): a record without them
 * is not a WAF log, and is reported rather than sent as a row with nothing in its columns.
 */
const REQUIRED_FIELDS = ['webaclId', 'action'] as const;

/** The column timestamp fills: the row's own TimeGenerated, which the provenance columns declare. */
const TIME_COLUMN = 'TimeGenerated';

const TABLE_COLUMNS = new Map(AWS_WAF.columns.map((c) => [c.name, c]));

/** The vendored column named `name`; a name the table lacks is a bug, caught when the module loads. */
function tableColumn(name: string): Column {
  const column = TABLE_COLUMNS.get(name);
  if (column === undefined) throw new Error(`${AWS_WAF.name} has no column ${name}`);
  return column;
}

/** How a field's value becomes its column's: `time` is timestamp, the row's TimeGenerated. */
type Kind = 'string' | 'int' | 'dynamic' | 'time';

interface Plan {
  readonly column: string;
  readonly kind: Kind;
}

function kindOf(column: Column): Kind {
  if (column.name === TIME_COLUMN) return 'time';
  if (column.type === 'string' || column.type === 'int' || column.type === 'dynamic') return column.type;
  throw new Error(`${AWS_WAF.name}.${column.name} is ${column.type}, which no WAF log field fills`);
}

function plansOf(map: ReadonlyMap<string, string>): ReadonlyMap<string, Plan> {
  return new Map([...map].map(([field, column]) => [field, { column, kind: kindOf(tableColumn(column)) }]));
}

const PLANS = plansOf(WAF_FIELD_COLUMNS);
const HTTP_REQUEST_PLANS = plansOf(WAF_HTTP_REQUEST_COLUMNS);

/**
 * The format's columns: the table's own (names, types and descriptions as vendored, in its order)
 * for every mapped field but timestamp, then the one `_CF` column.
 */
const COLUMNS: readonly Column[] = (() => {
  const filled = new Set([...WAF_FIELD_COLUMNS.values(), ...WAF_HTTP_REQUEST_COLUMNS.values()]);
  filled.delete(TIME_COLUMN);
  return [
    ...AWS_WAF.columns.filter((c) => filled.has(c.name)),
    {
      name: ADDITIONAL_FIELDS_COLUMN,
      type: 'string',
      description:
        'JSON object of the WAF log fields AWSWAF has no column for (ja4Fingerprint, fields AWS adds later) and of values of an unexpected type, keyed by their field names.',
    },
  ];
})();

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An object with no prototype, so a field named `__proto__` is kept like any other. */
function emptyObject(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

/** The range of a Kusto `int` (32-bit). */
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/**
 * `value` as `plan`'s column holds it, or `undefined` when it cannot (the caller keeps it in the
 * additional fields). Scalars become text in string columns (formatVersion is a number); an int
 * column takes an integer, also written as text; a dynamic column takes the value as AWS wrote it.
 */
function columnValue(plan: Plan, value: unknown): unknown {
  switch (plan.kind) {
    case 'string':
      if (typeof value === 'string') return value;
      return typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
    case 'int': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
      return typeof n === 'number' && Number.isInteger(n) && n >= INT_MIN && n <= INT_MAX ? n : undefined;
    }
    case 'dynamic':
      return value;
    default:
      return normalizeTime(value);
  }
}

function parseRecord(text: string): ParsedRecord | RecordError {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    return { error: jsonErrorReason(error) };
  }
  if (!isObject(record))
    return { error: `WAF log record is not a JSON object (found ${describeJson(record)})` };
  const missing = REQUIRED_FIELDS.filter(
    (field) => typeof record[field] !== 'string' || record[field] === '',
  );
  if (missing.length > 0) {
    return {
      error: `not an AWS WAF log record: no ${missing.map((f) => `"${f}"`).join(' or ')}, which every web ACL traffic log record has; check that the producer's format is right for this bucket`,
    };
  }
  const fields: Record<string, unknown> = {};
  let time: string | undefined;
  let additional: Record<string, unknown> | undefined;
  const fill = (plans: ReadonlyMap<string, Plan>, object: Record<string, unknown>, inner: boolean): void => {
    for (const key in object) {
      const value = object[key];
      // Null and "" read in Log Analytics as absent (`isempty`): not sent.
      if (value === null || value === undefined || value === '') continue;
      const plan = plans.get(key);
      const converted = plan === undefined ? undefined : columnValue(plan, value);
      if (plan !== undefined && converted !== undefined) {
        if (plan.kind === 'time') time = converted as string;
        else fields[plan.column] = converted;
      } else if (!inner) {
        // A field with no column, or a value its column cannot hold, is kept rather than dropped.
        (additional ??= emptyObject())[key] = value;
      }
      // httpRequest's own members need no keeping: HttpRequest holds them all.
    }
  };
  fill(PLANS, record, false);
  if (isObject(record.httpRequest)) fill(HTTP_REQUEST_PLANS, record.httpRequest, true);
  if (additional !== undefined) fields[ADDITIONAL_FIELDS_COLUMN] = JSON.stringify(additional);
  return { fields, time };
}

/**
 * AWS WAF web ACL traffic logs delivered to S3, shaped as Sentinel's built-in AWSWAF table
 * ({@link WAF_FIELD_COLUMNS}): one compact JSON object per line (a pretty-printed document or an
 * array is read too); timestamp becomes TimeGenerated (the S3 event time when it is missing or not
 * a time); lists and objects stay JSON values in their dynamic columns; httpRequest fills
 * HttpRequest and its members their own columns. A record without webaclId or action is reported
 * malformed, as is a line that is not a JSON object.
 */
export const wafFormat: FormatDefinition = {
  name: 'waf',
  description: 'AWS WAF logs (JSON lines), as AWSWAF columns.',
  columns: COLUMNS,
  builtinTable: AWS_WAF,
  createParser: () => ({
    split: jsonLinesOrDocumentSources,
    parse: parseRecord,
  }),
};
