import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { AWS_ROUTE53_RESOLVER } from './builtin-tables';
import type { FormatDefinition, ParsedRecord, RecordError } from './format';
import { jsonLinesOrDocumentSources } from './json-lines-or-document';
import { describeJson, jsonErrorReason } from './parse-helpers';
import type { Column } from './schema';
import { normalizeTime } from './time';

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

/** The column query_timestamp fills: the row's own TimeGenerated, which the provenance columns declare. */
const TIME_COLUMN = 'TimeGenerated';

const TABLE_COLUMNS = new Map(AWS_ROUTE53_RESOLVER.columns.map((c) => [c.name, c]));

/** The vendored column named `name`; a name the table lacks is a bug, caught when the module loads. */
function tableColumn(name: string): Column {
  const column = TABLE_COLUMNS.get(name);
  if (column === undefined) throw new Error(`${AWS_ROUTE53_RESOLVER.name} has no column ${name}`);
  return column;
}

/** How a field's value becomes its column's: `time` is query_timestamp, the row's TimeGenerated. */
type Kind = 'string' | 'dynamic' | 'time';

function kindOf(column: Column): Kind {
  if (column.name === TIME_COLUMN) return 'time';
  if (column.type === 'string' || column.type === 'dynamic') return column.type;
  throw new Error(
    `${AWS_ROUTE53_RESOLVER.name}.${column.name} is ${column.type}, which no query log field fills`,
  );
}

const PLANS: ReadonlyMap<string, { readonly column: string; readonly kind: Kind }> = new Map(
  [...ROUTE53_RESOLVER_FIELD_COLUMNS].map(([field, column]) => [
    field,
    { column, kind: kindOf(tableColumn(column)) },
  ]),
);

/**
 * The format's columns: the table's own (names, types and descriptions as vendored, in its order)
 * for every mapped field but query_timestamp, and LogType; then the one `_CF` column.
 */
const COLUMNS: readonly Column[] = (() => {
  const filled = new Set([...ROUTE53_RESOLVER_FIELD_COLUMNS.values(), tableColumn(LOG_TYPE[0]).name]);
  filled.delete(TIME_COLUMN);
  return [
    ...AWS_ROUTE53_RESOLVER.columns.filter((c) => filled.has(c.name)),
    {
      name: ADDITIONAL_FIELDS_COLUMN,
      type: 'string',
      description:
        'JSON object of the query log fields AWSRoute53Resolver has no column for (fields AWS adds later) and of values of an unexpected type, keyed by their field names.',
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

/** A scalar as a string column's value (`srcport` may be a number); `undefined` for anything else. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function parseRecord(text: string): ParsedRecord | RecordError {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    return { error: jsonErrorReason(error) };
  }
  if (!isObject(record)) {
    return {
      error: `Route 53 Resolver query log record is not a JSON object (found ${describeJson(record)})`,
    };
  }
  const fields: Record<string, unknown> = { [LOG_TYPE[0]]: LOG_TYPE[1] };
  let time: string | undefined;
  let additional: Record<string, unknown> | undefined;
  for (const key in record) {
    const value = record[key];
    // Null and "" read in Log Analytics as absent (`isempty`): not sent.
    if (value === null || value === undefined || value === '') continue;
    const plan = PLANS.get(key);
    let taken = false;
    if (plan !== undefined) {
      if (plan.kind === 'time') {
        time = normalizeTime(value);
        taken = time !== undefined;
      } else if (plan.kind === 'dynamic') {
        fields[plan.column] = value;
        taken = true;
      } else {
        const text = scalarText(value);
        if (text !== undefined) fields[plan.column] = text;
        taken = text !== undefined;
      }
    }
    // A field with no column, or a value its column cannot hold, is kept rather than dropped.
    if (!taken) (additional ??= emptyObject())[key] = value;
  }
  if (additional !== undefined) fields[ADDITIONAL_FIELDS_COLUMN] = JSON.stringify(additional);
  return { fields, time };
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
