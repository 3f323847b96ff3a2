/**
 * `format: 'auto'`: one producer for a whole log-archive bucket (Control Tower, organization
 * trails), each object parsed by the format its key's layout names.
 *
 * The contract with the Azure side (`lib/`) and the runtime:
 *
 * - A route is data ({@link FormatRoute}): a RegExp source tested against the object key, and the
 *   format of the objects it matches. A producer's own routes come first, then
 *   {@link DEFAULT_ROUTES} (AWS's documented key layouts); the first match wins ({@link routeFor}).
 * - An object no route matches is never dropped: it is parsed with {@link UNROUTED_FORMAT} (`text`,
 *   one row per line) into the output keyed {@link UNROUTED_OUTPUT}, logged and counted
 *   (`UnroutedObjects`).
 * - Each row goes to an output key ({@link autoOutputKey}): `F` for a row of a single-output format
 *   F, `F.O` for output O of a multi-output format F (`networkfirewall.alert`), `unrouted` for the
 *   catch-all. {@link autoOutputKeys} lists every key a producer's routes can reach, with each one's
 *   columns and built-in table: the Azure side builds one stream (and data flow) per key, and the
 *   forwarder's DCR_OUTPUTS names exactly those keys.
 *
 * Pure data and functions (`lib/` imports this module): nothing outside `lambda/formats`.
 */
import type { BuiltinTable } from './builtin-tables';
import type { FormatName } from './format';
import { FORMAT_NAMES, builtinTableOf, columnsOf, isFormatName, outputsOf } from './registry';
import type { Column } from './schema';

/** The LOG_FORMAT (and producer `format`) that routes each object by its key. */
export const AUTO_FORMAT = 'auto';

/** What a producer reads: one format, or {@link AUTO_FORMAT}. */
export type LogFormat = FormatName | typeof AUTO_FORMAT;

/** Whether `value` is a format name or {@link AUTO_FORMAT}. */
export function isLogFormat(value: string): value is LogFormat {
  return value === AUTO_FORMAT || isFormatName(value);
}

/** The output key (and format) of objects that no route matches. */
export const UNROUTED_OUTPUT = 'unrouted';
/** The format of objects that no route matches: one row per non-empty line, nothing dropped. */
export const UNROUTED_FORMAT: FormatName = 'text';

/** One routing rule of `format: 'auto'`. */
export interface FormatRoute {
  /**
   * A JavaScript RegExp source, tested (no flags) against the whole object key as S3 names it
   * (decoded, without the bucket). Not anchored unless it says so: start it with `^` to match from
   * the key's start, e.g. `^app/`.
   */
  readonly match: string;
  /** The format of the objects it matches; any format but `auto`. */
  readonly format: FormatName;
  /** One line for docs and logs. */
  readonly description?: string;
}

/** An AWS account id, as AWS writes it in `AWSLogs/<account>/`. */
const ACCOUNT = '\\d{12}';
/** Where AWS's own log layouts start: `AWSLogs/` after the bucket or the user's prefix. */
const AWS_LOGS = `(?:^|/)AWSLogs/`;

/**
 * AWS's documented S3 key layouts, each to its format. Logs whose prefix the user chooses (S3
 * server access logs, Security Hub findings and CloudWatch Logs through Firehose) have no layout to
 * recognize: give them a producer route.
 *
 * Sources (key layouts as documented):
 * - CloudTrail: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html
 *   (`AWSLogs/<account>/CloudTrail/<region>/…`; organization trails `AWSLogs/<o-id>/<account>/…`),
 *   https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html
 *   (`…/CloudTrail-Digest/…`), and Insights events under `…/CloudTrail-Insight/…`, which hold
 *   `{"Records":[…]}` of `AwsCloudTrailInsight` events.
 * - VPC flow logs: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html
 *   (`AWSLogs/<account>/vpcflowlogs/<region>/…`, or with Hive-compatible prefixes
 *   `AWSLogs/aws-account-id=<account>/aws-service=vpcflowlogs/…`; Parquet files are not text).
 * - ELB: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html,
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html,
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html:
 *   all three write `AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/<account>_elasticloadbalancing_<region>_<load-balancer-id>_…`,
 *   where the id is the resource id with `/` as `.`: `app.<name>.<id>` (ALB), `net.<name>.<id>`
 *   (NLB), the bare name for a Classic Load Balancer (letters, digits and hyphens: no dot). ALB
 *   connection logs (`…/conn_log.<account>_…`,
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-connection-logs.html)
 *   and other ELB files have another layout: they are not routed here. The test object ELB writes
 *   when logging is enabled (`AWSLogs/<account>/ELBAccessLogTestFile`) goes to `alb`, which skips it.
 * - GuardDuty findings export: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html
 *   (`AWSLogs/<account>/GuardDuty/<region>/…`).
 * - Network Firewall: https://docs.aws.amazon.com/network-firewall/latest/developerguide/logging-s3.html
 *   (`AWSLogs/<account>/network-firewall/<log-type>/<region>/<firewall>/…`).
 * - WAF: https://docs.aws.amazon.com/waf/latest/developerguide/logging-s3.html
 *   (`AWSLogs/<account>/WAFLogs/<region>/<web-acl>/…`).
 * - Route 53 Resolver query logs: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs.html
 *   (`AWSLogs/<account>/vpcdnsquerylogs/<vpc-id>/…`).
 * - CloudFront standard logs: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html
 *   (`[prefix/]<distribution-id>.YYYY-MM-DD-HH.<unique-id>.gz`; distribution ids are upper-case
 *   letters and digits).
 */
export const DEFAULT_ROUTES: readonly FormatRoute[] = Object.freeze(
  [
    {
      match: `${AWS_LOGS}(?:o-[a-z0-9]{10,32}/)?${ACCOUNT}/CloudTrail/`,
      format: 'cloudtrail',
      description: 'CloudTrail log files (account or organization trail)',
    },
    {
      match: `${AWS_LOGS}(?:o-[a-z0-9]{10,32}/)?${ACCOUNT}/CloudTrail-Digest/`,
      format: 'cloudtrail',
      description: 'CloudTrail digest files (the cloudtrail format skips them)',
    },
    {
      match: `${AWS_LOGS}(?:o-[a-z0-9]{10,32}/)?${ACCOUNT}/CloudTrail-Insight/`,
      format: 'cloudtrail',
      description: 'CloudTrail Insights events',
    },
    {
      match: `^(?!.*\\.parquet$).*?${AWS_LOGS}(?:${ACCOUNT}/vpcflowlogs|aws-account-id=${ACCOUNT}/aws-service=vpcflowlogs)/`,
      format: 'vpcflow',
      description: 'VPC and Transit Gateway flow logs in text format',
    },
    {
      match: `${AWS_LOGS}${ACCOUNT}/elasticloadbalancing/[^/]+/\\d{4}/\\d{2}/\\d{2}/${ACCOUNT}_elasticloadbalancing_[^_/]+_app\\.[^/]*$`,
      format: 'alb',
      description: 'Application Load Balancer access logs',
    },
    {
      match: `${AWS_LOGS}${ACCOUNT}/elasticloadbalancing/[^/]+/\\d{4}/\\d{2}/\\d{2}/${ACCOUNT}_elasticloadbalancing_[^_/]+_net\\.[^/]*$`,
      format: 'nlb',
      description: 'Network Load Balancer access logs',
    },
    {
      match: `${AWS_LOGS}${ACCOUNT}/elasticloadbalancing/[^/]+/\\d{4}/\\d{2}/\\d{2}/${ACCOUNT}_elasticloadbalancing_[^_/]+_[A-Za-z0-9-]+_[^/]*$`,
      format: 'clb',
      description: 'Classic Load Balancer access logs',
    },
    {
      match: `${AWS_LOGS}${ACCOUNT}/ELBAccessLogTestFile$`,
      format: 'alb',
      description: 'the test object ELB writes when access logging is enabled (skipped)',
    },
    {
      match: `${AWS_LOGS}${ACCOUNT}/GuardDuty/`,
      format: 'guardduty',
      description: 'GuardDuty findings exported to S3',
    },
    {
      match: `${AWS_LOGS}${ACCOUNT}/network-firewall/`,
      format: 'networkfirewall',
      description: 'Network Firewall alert, flow and TLS logs',
    },
    {
      match: `${AWS_LOGS}${ACCOUNT}/WAFLogs/`,
      format: 'waf',
      description: 'WAF web ACL logs',
    },
    {
      match: `${AWS_LOGS}${ACCOUNT}/vpcdnsquerylogs/`,
      format: 'route53resolver',
      description: 'Route 53 Resolver query logs',
    },
    {
      match: '(?:^|/)[A-Z0-9]{6,}\\.\\d{4}-\\d{2}-\\d{2}-\\d{2}\\.[A-Za-z0-9]+\\.gz$',
      format: 'cloudfront',
      description: 'CloudFront standard logs',
    },
  ].map((route) => Object.freeze(route as FormatRoute)),
);

/** Compiled patterns, per route object: a route is data, compiled once on first use. */
const PATTERNS = new WeakMap<FormatRoute, RegExp>();

function patternOf(route: FormatRoute): RegExp {
  let pattern = PATTERNS.get(route);
  if (pattern === undefined) {
    pattern = new RegExp(route.match);
    PATTERNS.set(route, pattern);
  }
  return pattern;
}

/**
 * The route that matches `key`: the first of `routes` (a producer's own), else the first of
 * {@link DEFAULT_ROUTES}; undefined when none does. `routes` must be valid ({@link compileRoutes}).
 */
export function matchRoute(key: string, routes: readonly FormatRoute[] = []): FormatRoute | undefined {
  for (const list of [routes, DEFAULT_ROUTES]) {
    for (const route of list) if (patternOf(route).test(key)) return route;
  }
  return undefined;
}

/**
 * The format of the object at `key`: the first of the producer's `routes`, then of
 * {@link DEFAULT_ROUTES}, that matches; undefined when none does (the object then goes to
 * {@link UNROUTED_OUTPUT} as {@link UNROUTED_FORMAT}). A pure function of the key, so a
 * continuation of an object is parsed by the same format as its first part.
 */
export function routeFor(key: string, routes: readonly FormatRoute[] = []): FormatName | undefined {
  return matchRoute(key, routes)?.format;
}

/**
 * The output key of a row of `format` (and, for a multi-output format, of its `output`): `format`,
 * or `format.output`.
 */
export function autoOutputKey(format: FormatName, output?: string): string {
  return output === undefined ? format : `${format}.${output}`;
}

/** How one object is read under `format: 'auto'`. */
export interface ObjectRoute {
  /** The format that parses it: the route's, or {@link UNROUTED_FORMAT}. */
  readonly format: FormatName;
  /** The route that matched; undefined for the catch-all. */
  readonly route?: FormatRoute;
  /** The output key of a row the format placed in `output` (undefined for a single-output format). */
  outputKey(output?: string): string;
}

/** How the object at `key` is read under `format: 'auto'` with the producer's `routes`. */
export function objectRoute(key: string, routes: readonly FormatRoute[] = []): ObjectRoute {
  const route = matchRoute(key, routes);
  if (route === undefined) return { format: UNROUTED_FORMAT, outputKey: () => UNROUTED_OUTPUT };
  const { format } = route;
  return { format, route, outputKey: (output) => autoOutputKey(format, output) };
}

/** One stream a `format: 'auto'` producer sends to, by output key. */
export interface AutoOutput {
  /** The key in DCR_OUTPUTS: `F`, `F.O` or `unrouted`. */
  readonly key: string;
  /** The format whose rows it holds ({@link UNROUTED_FORMAT} for `unrouted`). */
  readonly format: FormatName;
  /** The output of a multi-output format; undefined otherwise. */
  readonly output?: string;
  /** Every column its rows carry (provenance, the format's, truncation): the stream declaration. */
  readonly columns: readonly Column[];
  /**
   * The Sentinel built-in table these columns are shaped for (the default destination); undefined
   * for a custom table. Always undefined for `unrouted`: the catch-all is a custom table.
   */
  readonly builtinTable?: BuiltinTable;
}

/**
 * Every output key the producer's `routes` and {@link DEFAULT_ROUTES} can reach, each with its
 * columns and built-in table, then `unrouted`: in order of first appearance over the producer's
 * routes and then the defaults, a multi-output format expanded into its outputs in declared order.
 * Passing the defaults again (the full route list) gives the same keys.
 *
 * The Azure side builds one stream and data flow per key; the forwarder's DCR_OUTPUTS must name
 * exactly these keys. `routes` must be valid ({@link compileRoutes}).
 */
export function autoOutputKeys(routes: readonly FormatRoute[] = []): AutoOutput[] {
  const formats = [...new Set([...routes, ...DEFAULT_ROUTES].map((r) => r.format))];
  const keys: AutoOutput[] = formats.flatMap((format) => {
    const outputs = outputsOf(format);
    if (outputs.length === 0) {
      const builtinTable = builtinTableOf(format);
      return [
        {
          key: autoOutputKey(format),
          format,
          columns: columnsOf(format),
          ...(builtinTable !== undefined ? { builtinTable } : {}),
        },
      ];
    }
    return outputs.map((o) => ({
      key: autoOutputKey(format, o.name),
      format,
      output: o.name,
      columns: columnsOf(format, o.name),
      ...(o.builtinTable !== undefined ? { builtinTable: o.builtinTable } : {}),
    }));
  });
  keys.push({ key: UNROUTED_OUTPUT, format: UNROUTED_FORMAT, columns: columnsOf(UNROUTED_FORMAT) });
  return keys;
}

/** The output key names of {@link autoOutputKeys}. */
export function autoOutputKeyNames(routes: readonly FormatRoute[] = []): string[] {
  return autoOutputKeys(routes).map((k) => k.key);
}

/** What {@link compileRoutes} found. */
export interface CompiledRoutes {
  /** The valid routes, as given (frozen copies); empty when there are problems. */
  readonly routes: readonly FormatRoute[];
  /** One message per problem, each naming the route and the fix. */
  readonly problems: readonly string[];
}

const ROUTE_FIELDS = new Set(['match', 'format', 'description']);

/**
 * Checks a producer's route list (`FORMAT_ROUTES`, or a producer definition's routes) and returns
 * it ready for {@link routeFor}: an array of `{ match, format, description? }`, each `match` a
 * valid RegExp source, each `format` a known format other than `auto`, no other fields. Every
 * problem is reported, each naming `where` (the env var or prop), the route and the fix.
 */
export function compileRoutes(value: unknown, where = 'routes'): CompiledRoutes {
  const shape = '{"match": "<RegExp source tested against the object key>", "format": "<format>"}';
  if (!Array.isArray(value)) {
    return { routes: [], problems: [`${where} must be an array of routes, each ${shape}`] };
  }
  const problems: string[] = [];
  const routes: FormatRoute[] = [];
  value.forEach((raw: unknown, i) => {
    const before = problems.length;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`${where} route ${i + 1} must be an object ${shape}`);
      return;
    }
    const { match, format, description } = raw as Record<string, unknown>;
    const label = `${where} route ${i + 1}${typeof match === 'string' ? ` (match ${JSON.stringify(match)})` : ''}`;
    const unknown = Object.keys(raw).filter((k) => !ROUTE_FIELDS.has(k));
    if (unknown.length > 0) {
      problems.push(
        `${label} has unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}: a route has only match, format and description`,
      );
    }
    if (typeof match !== 'string' || match === '') {
      problems.push(`${label}: match must be a non-empty RegExp source, e.g. "^app-logs/"`);
    } else {
      try {
        new RegExp(match);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        problems.push(
          `${label}: match is not a valid JavaScript regular expression (${reason}); escape special characters such as . ( [ with a backslash`,
        );
      }
    }
    if (format === AUTO_FORMAT) {
      problems.push(
        `${label}: format cannot be ${AUTO_FORMAT} (a route names the format that parses the object); use one of ${FORMAT_NAMES.join(', ')}`,
      );
    } else if (typeof format !== 'string' || !isFormatName(format)) {
      problems.push(
        `${label}: format ${JSON.stringify(format)} is not a known format; use one of ${FORMAT_NAMES.join(', ')}`,
      );
    }
    if (description !== undefined && typeof description !== 'string') {
      problems.push(`${label}: description must be a string`);
    }
    if (problems.length === before) {
      routes.push(
        Object.freeze({
          match: match as string,
          format: format as FormatName,
          ...(description !== undefined ? { description: description as string } : {}),
        }),
      );
    }
  });
  return problems.length > 0 ? { routes: [], problems } : { routes, problems: [] };
}
