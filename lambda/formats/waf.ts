import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { builtinColumns, columnKinds } from './builtin-columns';
import { AWS_WAF } from './builtin-tables';
import type { FormatDefinition, ParsedRecord, RecordError } from './format';
import { fieldPlans, fillColumns, type FilledRow } from './json-field-columns';
import { jsonLinesOrDocumentSources } from './json-lines-or-document';
import { isObject } from './json-values';
import { parseJsonObject } from './parse-helpers';
import type { Column } from './schema';

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

/** How each field's value is read: `time` is timestamp, the row's TimeGenerated. */
const kindOf = columnKinds(AWS_WAF, ['string', 'int', 'dynamic'], 'WAF log');
const PLANS = fieldPlans(WAF_FIELD_COLUMNS, kindOf);
const HTTP_REQUEST_PLANS = fieldPlans(WAF_HTTP_REQUEST_COLUMNS, kindOf);

/**
 * The format's columns: the table's own (names, types and descriptions as vendored, in its order)
 * for every mapped field but timestamp, then the one `_CF` column.
 */
const COLUMNS: readonly Column[] = builtinColumns(
  AWS_WAF,
  [...WAF_FIELD_COLUMNS.values(), ...WAF_HTTP_REQUEST_COLUMNS.values()],
  'JSON object of the WAF log fields AWSWAF has no column for (ja4Fingerprint, fields AWS adds later) and of values of an unexpected type, keyed by their field names.',
);

function parseRecord(text: string): ParsedRecord | RecordError {
  const record = parseJsonObject(text, 'WAF log record');
  if (typeof record === 'string') return { error: record };
  const missing = REQUIRED_FIELDS.filter(
    (field) => typeof record[field] !== 'string' || record[field] === '',
  );
  if (missing.length > 0) {
    return {
      error: `not an AWS WAF log record: no ${missing.map((f) => `"${f}"`).join(' or ')}, which every web ACL traffic log record has; check that the producer's format is right for this bucket`,
    };
  }
  const row: FilledRow = { fields: {} };
  fillColumns(PLANS, record, row);
  // httpRequest's own members need no keeping: HttpRequest holds them all.
  if (isObject(record.httpRequest)) fillColumns(HTTP_REQUEST_PLANS, record.httpRequest, row, false);
  if (row.additional !== undefined) row.fields[ADDITIONAL_FIELDS_COLUMN] = JSON.stringify(row.additional);
  return { fields: row.fields, time: row.time };
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
