import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { builtinColumns, columnKinds } from './builtin-columns';
import { AWS_ROUTE53_RESOLVER } from './builtin-tables';
import type { FormatDefinition, ParsedRecord, RecordError } from './format';
import { fieldPlans, fillColumns, type FilledRow } from './json-field-columns';
import { jsonLinesOrDocumentSources } from './json-lines-or-document';
import { parseJsonObject } from './parse-helpers';
import type { Column } from './schema';

/**
 * Where each Route 53 Resolver query log field goes in Sentinel's AWSRoute53Resolver table: the
 * mapping of Microsoft's own DCR for these logs (Azure/Azure-Sentinel, `Solutions/Amazon Web
 * Services Route 53/Data Connectors/AWSRoute53ResolverLogs_CCP/AWSRoute53ResolverLogs_DCR.json` at
 * commit af6488070eb5790648434fe3167106f0c4bc7983, its `transformKql`), which also sets LogType to
 * `ResolverQueryLogs`. Types are the vendored table's (`builtin-tables/aws-route53-resolver.ts`),
 * looked up by name: `answers` and `srcids` are dynamic, everything else a string (`srcport` too).
 * Fields not listed (AWS adds some over time) go to {@link ADDITIONAL_FIELDS_COLUMN}.
 */
export const ROUTE53_RESOLVER_FIELD_COLUMNS: ReadonlyMap<string, string> = new Map([
  ['version', 'Version'],
  ['account_id', 'AccountId'],
  ['region', 'Region'],
  ['vpc_id', 'VpcId'],
  // The table has no column for the query time: TimeGenerated is query_timestamp, as in the DCR.
  ['query_timestamp', 'TimeGenerated'],
  ['query_name', 'QueryName'],
  ['query_type', 'QueryType'],
  ['query_class', 'QueryClass'],
  ['rcode', 'Rcode'],
  ['answers', 'Answers'],
  ['srcaddr', 'SrcAddr'],
  ['srcport', 'SrcPort'],
  ['transport', 'Transport'],
  ['srcids', 'SrcIds'],
  ['firewall_rule_action', 'FirewallRuleAction'],
  ['firewall_rule_group_id', 'FirewallRuleGroupId'],
  ['firewall_domain_list_id', 'FirewallDomainListId'],
]);

/** `LogType = "ResolverQueryLogs"` in Microsoft's DCR: every row of this format is a query log. */
const LOG_TYPE: readonly [column: string, value: string] = ['LogType', 'ResolverQueryLogs'];

/** Each field's column and how its value is read (`time` is query_timestamp, the row's TimeGenerated). */
const PLANS = fieldPlans(
  ROUTE53_RESOLVER_FIELD_COLUMNS,
  columnKinds(AWS_ROUTE53_RESOLVER, ['string', 'dynamic'], 'query log'),
);

/**
 * The format's columns: the table's own (names, types and descriptions as vendored, in its order)
 * for every mapped field but query_timestamp, and LogType; then the one `_CF` column.
 */
const COLUMNS: readonly Column[] = builtinColumns(
  AWS_ROUTE53_RESOLVER,
  [...ROUTE53_RESOLVER_FIELD_COLUMNS.values(), LOG_TYPE[0]],
  'JSON object of the query log fields AWSRoute53Resolver has no column for (fields AWS adds later) and of values of an unexpected type, keyed by their field names.',
);

function parseRecord(text: string): ParsedRecord | RecordError {
  const record = parseJsonObject(text, 'Route 53 Resolver query log record');
  if (typeof record === 'string') return { error: record };
  const row: FilledRow = { fields: { [LOG_TYPE[0]]: LOG_TYPE[1] } };
  fillColumns(PLANS, record, row);
  if (row.additional !== undefined) row.fields[ADDITIONAL_FIELDS_COLUMN] = JSON.stringify(row.additional);
  return { fields: row.fields, time: row.time };
}

/**
 * Route 53 Resolver query logs delivered to S3, shaped as Sentinel's built-in AWSRoute53Resolver
 * table the way Microsoft's DCR maps them ({@link ROUTE53_RESOLVER_FIELD_COLUMNS}): one compact
 * JSON object per line (a pretty-printed document or an array is read too, see
 * {@link jsonLinesOrDocumentSources}); query_timestamp becomes TimeGenerated (the S3 event time when
 * it is missing or not a time); answers and srcids stay JSON values in their dynamic columns;
 * LogType is `ResolverQueryLogs`. A line that is not a JSON object is reported malformed.
 */
export const route53resolverFormat: FormatDefinition = {
  name: 'route53resolver',
  description: 'Route 53 Resolver query logs (JSON lines), as AWSRoute53Resolver columns.',
  columns: COLUMNS,
  builtinTable: AWS_ROUTE53_RESOLVER,
  createParser: () => ({
    split: jsonLinesOrDocumentSources,
    parse: parseRecord,
  }),
};
