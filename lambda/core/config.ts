import { ENV, type AuthMode, type DcrOutputs, type DcrOutputTarget } from '../contract/environment';
import { ConfigurationError } from './errors';
import { FORMAT_NAMES, checkFormatOptions, outputNamesOf, type FormatName } from '../formats';
import {
  AUTO_FORMAT,
  autoOutputKeyNames,
  compileRoutes,
  isLogFormat,
  UNROUTED_OUTPUT,
  type FormatRoute,
  type LogFormat,
} from '../formats/routes';

/** Everything the forwarder reads from its environment, validated once per cold start. */
export interface ForwarderConfig {
  readonly producerName: string;
  /** A format, or `auto`: each object's format chosen by its key (`routes`). */
  readonly format: LogFormat;
  /**
   * Set for `format: 'auto'` only (from FORMAT_ROUTES; empty when unset): the producer's own routes,
   * validated, tried before the default routes (`lambda/formats/routes.ts`).
   */
  readonly routes?: readonly FormatRoute[];
  /**
   * Options per format, from FORMAT_OPTIONS, each as its format's `options.parse` returned them:
   * the one format's (a single LOG_FORMAT) or any format's (`auto`). Absent when unset.
   */
  readonly formatOptions?: Readonly<Partial<Record<FormatName, unknown>>>;
  readonly tenantId: string;
  readonly clientId: string;
  /** The DCE's logs ingestion URL (https). */
  readonly logsIngestionEndpoint: string;
  readonly dcrImmutableId: string;
  /**
   * Every DCR the forwarder spreads its batches across (a producer's shards), `dcrImmutableId`
   * first. From DCR_IMMUTABLE_IDS; @default - [dcrImmutableId]
   */
  readonly dcrImmutableIds: readonly string[];
  readonly streamName: string;
  /**
   * Set for a multi-output format and for `auto` only (from DCR_OUTPUTS): each output's stream and
   * DCRs, exactly the format's outputs (for `auto`: exactly `autoOutputKeyNames(routes)`). Every row
   * then goes to its output's stream, none to `streamName`.
   */
  readonly dcrOutputs?: DcrOutputs;
  readonly authMode: AuthMode;
  /** Set in `secret` mode only. */
  readonly clientSecretParameter?: string;
  /** @default 900 */
  readonly secretTtlSeconds: number;
  /** @default 4 */
  readonly uploadConcurrency: number;
  /** The notification queue; when set, transiently failed messages get a growing visibility timeout. */
  readonly queueUrl?: string;
  /** The DLQ; when set, permanently failed messages are moved there at once with their reason. */
  readonly deadLetterQueueUrl?: string;
}

/** Default seconds the client secret is cached: short enough that a rotation lands within 15 minutes. */
export const DEFAULT_SECRET_TTL_SECONDS = 900;
/**
 * Default parallel uploads per object. Four 1 MB batches in flight keep the API busy without
 * holding much memory; the Logs Ingestion API's per-DCR limits are far above this.
 */
export const DEFAULT_UPLOAD_CONCURRENCY = 4;
const MAX_UPLOAD_CONCURRENCY = 32;

/**
 * Reads and validates the forwarder's environment (the names in `ENV`). Collects every problem
 * and throws one `ConfigurationError` naming each variable that is missing or invalid.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ForwarderConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (value === undefined || value === '') {
      problems.push(`${name} is not set`);
      return '';
    }
    return value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} (${JSON.stringify(raw)}) must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };

  const producerName = required(ENV.producerName);
  const formatRaw = required(ENV.format);
  if (formatRaw !== '' && !isLogFormat(formatRaw)) {
    problems.push(
      `${ENV.format} (${JSON.stringify(formatRaw)}) must be one of ${FORMAT_NAMES.join(', ')} or ${AUTO_FORMAT}`,
    );
  }
  const format = formatRaw !== '' && isLogFormat(formatRaw) ? formatRaw : undefined;
  const routes = format !== undefined ? formatRoutes(env[ENV.formatRoutes], format, problems) : undefined;
  const formatOptions =
    format !== undefined ? formatOptionsOf(env[ENV.formatOptions], format, problems) : undefined;
  const tenantId = required(ENV.tenantId);
  const clientId = required(ENV.clientId);
  const logsIngestionEndpoint = required(ENV.logsIngestionEndpoint);
  if (logsIngestionEndpoint !== '' && !/^https:\/\/[^/]+/i.test(logsIngestionEndpoint)) {
    // The Azure SDK refuses to send a bearer token over plain HTTP; say so here, not at first upload.
    problems.push(
      `${ENV.logsIngestionEndpoint} (${JSON.stringify(logsIngestionEndpoint)}) must be an https:// URL`,
    );
  }
  const dcrImmutableId = required(ENV.dcrImmutableId);
  const dcrImmutableIds = shards(env[ENV.dcrImmutableIds], dcrImmutableId, problems);
  const streamName = required(ENV.streamName);
  const dcrOutputs =
    format === undefined
      ? undefined
      : format === AUTO_FORMAT
        ? routes !== undefined
          ? outputs(env[ENV.dcrOutputs], autoOutputs(routes), problems)
          : undefined
        : outputs(env[ENV.dcrOutputs], formatOutputs(format), problems);
  const authRaw = env[ENV.authMode]?.trim() || 'secret';
  if (authRaw !== 'secret' && authRaw !== 'federated') {
    problems.push(`${ENV.authMode} (${JSON.stringify(authRaw)}) must be 'secret' or 'federated'`);
  }
  const authMode: AuthMode = authRaw === 'federated' ? 'federated' : 'secret';
  const clientSecretParameter = authMode === 'secret' ? required(ENV.clientSecretParameter) : undefined;
  const secretTtlSeconds = integer(ENV.secretTtlSeconds, DEFAULT_SECRET_TTL_SECONDS, 0, 86_400);
  const uploadConcurrency = integer(
    ENV.uploadConcurrency,
    DEFAULT_UPLOAD_CONCURRENCY,
    1,
    MAX_UPLOAD_CONCURRENCY,
  );
  const optionalUrl = (name: string): string | undefined => {
    const value = env[name]?.trim();
    if (value === undefined || value === '') return undefined;
    if (!/^https:\/\/[^/]+\/.+/.test(value)) {
      problems.push(`${name} (${JSON.stringify(value)}) must be an SQS queue URL`);
    }
    return value;
  };
  const queueUrl = optionalUrl(ENV.queueUrl);
  const deadLetterQueueUrl = optionalUrl(ENV.deadLetterQueueUrl);

  if (problems.length > 0) {
    throw new ConfigurationError(
      `The forwarder's environment is incomplete: ${problems.join('; ')}. These are set by the ` +
        'S3ToSentinelForwarder construct from the Azure stack outputs; redeploy the AWS stack.',
    );
  }
  return {
    producerName,
    format: formatRaw as LogFormat,
    ...(routes !== undefined ? { routes } : {}),
    ...(formatOptions !== undefined ? { formatOptions } : {}),
    tenantId,
    clientId,
    logsIngestionEndpoint,
    dcrImmutableId,
    dcrImmutableIds,
    streamName,
    ...(dcrOutputs !== undefined ? { dcrOutputs } : {}),
    authMode,
    ...(clientSecretParameter !== undefined ? { clientSecretParameter } : {}),
    secretTtlSeconds,
    uploadConcurrency,
    ...(queueUrl !== undefined ? { queueUrl } : {}),
    ...(deadLetterQueueUrl !== undefined ? { deadLetterQueueUrl } : {}),
  };
}

/**
 * DCR_IMMUTABLE_IDS: comma-separated immutable ids, each non-empty and none twice, the first being
 * DCR_IMMUTABLE_ID. Unset or empty means the one DCR of DCR_IMMUTABLE_ID.
 */
function shards(raw: string | undefined, first: string, problems: string[]): readonly string[] {
  const name = ENV.dcrImmutableIds;
  if (raw === undefined || raw.trim() === '') return first !== '' ? [first] : [];
  const ids = raw.split(',').map((id) => id.trim());
  const before = problems.length;
  if (ids.some((id) => id === '')) {
    problems.push(
      `${name} (${JSON.stringify(raw)}) must be DCR immutable ids separated by commas, none empty`,
    );
  }
  const repeated = [...new Set(ids.filter((id, i) => id !== '' && ids.indexOf(id) !== i))];
  if (repeated.length > 0) {
    problems.push(`${name} (${JSON.stringify(raw)}) names ${repeated.join(', ')} more than once`);
  }
  if (first !== '' && ids[0] !== first) {
    problems.push(
      `${name} (${JSON.stringify(raw)}) must start with ${ENV.dcrImmutableId} (${JSON.stringify(first)})`,
    );
  }
  return problems.length === before ? ids : [first];
}

/** An example of DCR_OUTPUTS for `outputs`, for error messages. */
function outputsExample(outputs: readonly string[]): string {
  return JSON.stringify(
    Object.fromEntries(outputs.map((o) => [o, { streamName: `Custom-…`, dcrImmutableIds: ['dcr-…'] }])),
  );
}

/** The outputs DCR_OUTPUTS must name, and how to speak of them in messages. */
interface ExpectedOutputs {
  /** The output names (keys of DCR_OUTPUTS); empty when DCR_OUTPUTS must not be set. */
  readonly names: readonly string[];
  /** What sends the rows, e.g. `LOG_FORMAT networkfirewall`. */
  readonly subject: string;
  /** Whose outputs they are, e.g. `networkfirewall`. */
  readonly owner: string;
  /** What one is called: `output` or `output key`. */
  readonly noun: string;
  /** What DCR_OUTPUTS is keyed by: `output name` or `output key`. */
  readonly keyedBy: string;
}

function formatOutputs(format: FormatName): ExpectedOutputs {
  return {
    names: outputNamesOf(format),
    subject: `${ENV.format} ${format}`,
    owner: format,
    noun: 'output',
    keyedBy: 'output name',
  };
}

function autoOutputs(routes: readonly FormatRoute[]): ExpectedOutputs {
  return {
    names: autoOutputKeyNames(routes),
    subject:
      `${ENV.format} ${AUTO_FORMAT} (one key per format its routes${routes.length > 0 ? ` (${ENV.formatRoutes} and the defaults)` : ''} ` +
      `reach, <format>.<output> for each output of a multi-output format, and ${UNROUTED_OUTPUT})`,
    owner: `${ENV.format} ${AUTO_FORMAT}`,
    noun: 'output key',
    keyedBy: 'output key',
  };
}

/** The formats that take options (`FormatDefinition.options`). */
/** What {@link parseJson} returns for text that is not JSON (any JSON value, null included, is valid). */
const INVALID_JSON = Symbol('invalid JSON');

/** The JSON in variable `name`, or {@link INVALID_JSON} after pushing a problem naming it and `fix`. */
function parseJson(name: string, raw: string, fix: string, problems: string[]): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    problems.push(`${name} is not valid JSON: ${fix}`);
    return INVALID_JSON;
  }
}

/**
 * FORMAT_OPTIONS (see `ENV.formatOptions`): optional; with a single format, its options (refused
 * for a format that takes none); with `auto`, an object keyed by format name. Each format checks
 * its own (`checkFormatOptions`). Problems are pushed, each naming the variable and the fix.
 */
function formatOptionsOf(
  raw: string | undefined,
  format: LogFormat,
  problems: string[],
): Readonly<Partial<Record<FormatName, unknown>>> | undefined {
  const name = ENV.formatOptions;
  if (raw === undefined || raw.trim() === '') return undefined;
  const parsed = parseJson(
    name,
    raw,
    `set it to the format's options as JSON, e.g. {"delimiter": ";"} for csv` +
      (format === AUTO_FORMAT ? ' (with auto, keyed by format: {"csv": {"delimiter": ";"}})' : ''),
    problems,
  );
  if (parsed === INVALID_JSON) return undefined;
  const checked = checkFormatOptions(parsed, format, name, `${ENV.format} ${format}`);
  problems.push(...checked.problems);
  return checked.problems.length === 0 ? checked.options : undefined;
}

/**
 * FORMAT_ROUTES (see `ENV.formatRoutes`): for `auto`, optional (unset means no routes of the
 * producer's own), else a JSON array of valid routes (`compileRoutes`); refused for any other
 * format. Problems are pushed, each naming the variable and the fix; undefined is returned for a
 * format other than `auto` or when there is a problem.
 */
function formatRoutes(
  raw: string | undefined,
  format: LogFormat,
  problems: string[],
): readonly FormatRoute[] | undefined {
  const name = ENV.formatRoutes;
  const set = raw !== undefined && raw.trim() !== '';
  if (format !== AUTO_FORMAT) {
    if (set) {
      problems.push(
        `${name} is set, but ${ENV.format} is ${format}: remove ${name} (routes choose each object's ` +
          `format only with ${ENV.format} ${AUTO_FORMAT}), or set ${ENV.format} to ${AUTO_FORMAT}`,
      );
    }
    return undefined;
  }
  if (!set) return [];
  const fix = `set it to a JSON array such as [{"match": "^app/", "format": "ndjson"}] and redeploy the AWS stack`;
  const parsed = parseJson(name, raw, fix, problems);
  if (parsed === INVALID_JSON) return undefined;
  const compiled = compileRoutes(parsed, name);
  if (compiled.problems.length > 0) {
    problems.push(...compiled.problems);
    return undefined;
  }
  return compiled.routes;
}

/**
 * DCR_OUTPUTS (see `ENV.dcrOutputs`): required, and exactly `expected.names`, when there are any
 * (a multi-output format, or `auto`); refused otherwise. Problems are pushed, each naming the
 * variable, what is wrong and the fix; the value is returned only when it has none.
 */
function outputs(
  raw: string | undefined,
  expected: ExpectedOutputs,
  problems: string[],
): DcrOutputs | undefined {
  const name = ENV.dcrOutputs;
  const { names, subject, owner, noun, keyedBy } = expected;
  const set = raw !== undefined && raw.trim() !== '';
  if (names.length === 0) {
    if (set) {
      problems.push(
        `${name} is set, but ${subject} has one output: remove ${name} (it is only for a ` +
          `format with several outputs), or set ${ENV.format} to the format the producer reads`,
      );
    }
    return undefined;
  }
  const fix =
    `set it to JSON giving each ${noun} of ${owner} its stream and DCR immutable ids, e.g. ` +
    `${outputsExample(names)}, from the Azure stack outputs, and redeploy the AWS stack`;
  if (!set) {
    problems.push(
      `${name} is not set, but ${subject} sends rows to ${names.length} streams (${names.join(', ')}): ${fix}`,
    );
    return undefined;
  }
  const parsed = parseJson(name, raw, fix, problems);
  if (parsed === INVALID_JSON) return undefined;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push(`${name} must be a JSON object keyed by ${keyedBy}: ${fix}`);
    return undefined;
  }
  const before = problems.length;
  const given = parsed as Record<string, unknown>;
  const missing = names.filter((o) => !Object.hasOwn(given, o));
  const unknown = Object.keys(given).filter((o) => !names.includes(o));
  if (missing.length > 0)
    problems.push(`${name} has no entry for ${noun} ${missing.join(', ')} of ${owner}: ${fix}`);
  if (unknown.length > 0) {
    problems.push(
      `${name} names ${unknown.map((o) => JSON.stringify(o)).join(', ')}, which ${owner} does not have ` +
        `(its ${noun}s are ${names.join(', ')}): remove ${unknown.length > 1 ? 'them' : 'it'}`,
    );
  }
  const result: Record<string, DcrOutputTarget> = {};
  for (const output of names.filter((o) => Object.hasOwn(given, o))) {
    const target = outputTarget(given[output], `${name} ${noun} ${output}`, problems);
    if (target !== undefined) result[output] = target;
  }
  return problems.length === before ? result : undefined;
}

/** One value of DCR_OUTPUTS: `{"streamName": "…", "dcrImmutableIds": ["…", …]}`. */
function outputTarget(value: unknown, where: string, problems: string[]): DcrOutputTarget | undefined {
  const shape = 'must be {"streamName": "Custom-…", "dcrImmutableIds": ["dcr-…"]}';
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${where} ${shape}`);
    return undefined;
  }
  const { streamName, dcrImmutableIds } = value as Record<string, unknown>;
  const before = problems.length;
  if (typeof streamName !== 'string' || streamName.trim() === '') {
    problems.push(`${where}: streamName must be a non-empty string (the output's DCR stream, Custom-…)`);
  }
  const ids = Array.isArray(dcrImmutableIds) ? dcrImmutableIds : undefined;
  if (ids === undefined || ids.length === 0) {
    problems.push(`${where}: dcrImmutableIds must be a non-empty array of DCR immutable ids`);
  } else if (ids.some((id) => typeof id !== 'string' || id.trim() === '')) {
    problems.push(`${where}: dcrImmutableIds must hold non-empty strings only (DCR immutable ids, dcr-…)`);
  } else if (new Set(ids.map((id: string) => id.trim())).size !== ids.length) {
    problems.push(`${where}: dcrImmutableIds names a DCR more than once`);
  }
  if (problems.length > before) return undefined;
  return {
    streamName: (streamName as string).trim(),
    dcrImmutableIds: (ids as string[]).map((id) => id.trim()),
  };
}
