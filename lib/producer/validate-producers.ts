import {
  AUTO_FORMAT,
  BUILTIN_DESTINATIONS,
  FORMAT_NAMES,
  builtinTableOf,
  checkFormatOptions,
  compileRoutes,
  isFormatName,
  isLogFormat,
} from '../../lambda/formats';
import { dcrStem, destinationOf, tableBaseName } from './naming';
import { producerOutputs, producerStreams } from './outputs';
import type { ProducerDefinition } from './producer';
import {
  MAX_SHARDS,
  NUMERIC_LIMITS,
  SHARDS_LIMIT,
  checkBatchingWindow,
  checkEmail,
  checkLimit,
  checkProducerName,
  checkReceiveBudget,
  checkVisibilityTimeout,
  type DefinitionField,
} from './rules';

/** Thrown for a producer configuration that cannot be deployed; the message says what to change. */
export class ProducerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProducerConfigError';
  }
}

// Azure custom table names: letters, digits and underscores, starting with a letter; the full
// name including `_CL` is limited to 63 characters.
const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const TABLE_NAME_MAX = 63 - '_CL'.length;
// S3 bucket naming rules (general purpose buckets).
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * Checks every producer and the set as a whole. All problems are collected and reported together,
 * each naming the producer and the field, so one run of `cdk synth` shows everything to fix.
 */
export function validateProducers(producers: readonly ProducerDefinition[]): void {
  const problems: string[] = [];
  if (producers.length === 0)
    problems.push('no producers are configured: add at least one ProducerDefinition');
  const names = new Map<string, number>();
  const tables = new Map<string, string>();
  producers.forEach((producer, index) => {
    const where = `producer ${JSON.stringify(producer.name ?? `#${index}`)}`;
    problems.push(...validateProducer(producer).map((p) => `${where}: ${p}`));
    if (names.has(producer.name)) {
      problems.push(
        `${where}: \`name\` is used by producer #${names.get(producer.name)} too; names must be unique`,
      );
    } else {
      names.set(producer.name, index);
    }
    // A custom table is one producer's; several producers may share a built-in table, each with its own
    // DCR. A producer with several streams has a custom table per stream that has no built-in one.
    const custom = isLogFormat(String(producer.format))
      ? producerStreams(producer).filter((spec) => spec.destination.kind === 'custom')
      : [];
    for (const { tableName: table } of custom) {
      const owner = tables.get(table.toLowerCase());
      if (owner !== undefined && owner !== producer.name) {
        problems.push(
          `${where}: table ${table} collides with producer "${owner}" ` +
            '(Azure table names are case-insensitive); set `table.name` on one of them',
        );
      } else {
        tables.set(table.toLowerCase(), producer.name);
      }
    }
  });
  // Every DCR (and its alerts) is named `<prefix>-<stem>`: the producer's name, then its output and
  // its shard when it has several; two producers must not end up with the same stem.
  const stems = new Map<string, string>();
  for (const producer of producers) {
    for (const { stem, what } of dcrStems(producer)) {
      const owner = stems.get(stem);
      if (owner !== undefined && owner !== producer.name) {
        problems.push(
          `producer "${producer.name}" (${what}) and producer "${owner}" would both name a DCR and its alert ` +
            `\`<prefix>-${stem}\`: rename one of them, or lower \`shards\``,
        );
      } else {
        stems.set(stem, producer.name);
      }
    }
  }
  if (problems.length > 0) {
    throw new ProducerConfigError(`Invalid producer configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** The problems with one producer, each naming the field and what is allowed. */
export function validateProducer(producer: ProducerDefinition): string[] {
  const problems: string[] = [];
  const name = checkProducerName('name', producer.name);
  if (name) problems.push(name);
  if (typeof producer.format !== 'string' || !isLogFormat(producer.format)) {
    problems.push(
      `\`format\` (${JSON.stringify(producer.format)}) is not a known format; use one of: ${FORMAT_NAMES.join(', ')}, ` +
        `or ${AUTO_FORMAT} to choose each object's format by its key`,
    );
  } else {
    problems.push(...validateRoutesAndOptions(producer));
  }
  const notification = producer.notification ?? 'direct';
  if (notification !== 'direct' && notification !== 'eventbridge') {
    problems.push(`\`notification\` (${JSON.stringify(notification)}) must be 'direct' or 'eventbridge'`);
  }
  problems.push(...validateBucket(producer));
  problems.push(...validateTable(producer));
  problems.push(...validateNumbers(producer));
  const shards = checkLimit('shards', SHARDS_LIMIT, producer.shards);
  if (shards) problems.push(shards);
  const email = checkEmail('alarms.email', producer.alarms?.email);
  if (email) problems.push(email);
  return problems;
}

function validateBucket(producer: ProducerDefinition): string[] {
  const bucket = producer.bucket;
  if (bucket === undefined || (bucket.kind !== 'existing' && bucket.kind !== 'new')) {
    return ["`bucket` must be { kind: 'existing', bucketName } or { kind: 'new' }"];
  }
  const problems: string[] = [];
  if (bucket.bucketName !== undefined && !BUCKET_NAME.test(bucket.bucketName)) {
    problems.push(
      `\`bucket.bucketName\` (${JSON.stringify(bucket.bucketName)}) is not a valid S3 bucket name (3–63 lower-case letters, digits, dots, hyphens)`,
    );
  }
  if (bucket.kind === 'existing' && bucket.bucketName === undefined) {
    problems.push('`bucket.bucketName` is required for an existing bucket');
  }
  if (bucket.kind === 'existing' && bucket.kmsKeyArn !== undefined && !KMS_KEY_ARN.test(bucket.kmsKeyArn)) {
    problems.push(
      `\`bucket.kmsKeyArn\` (${JSON.stringify(bucket.kmsKeyArn)}) must be a key ARN (arn:aws:kms:<region>:<account>:key/<id>); IAM ignores alias ARNs`,
    );
  }
  return problems;
}

function validateTable(producer: ProducerDefinition): string[] {
  const problems: string[] = [];
  const table = producer.table ?? {};
  // One transform cannot fit the several schemas of a producer writing to several tables.
  const outputs = isLogFormat(String(producer.format)) ? producerOutputs(producer) : undefined;
  if (table.transformKql !== undefined && outputs !== undefined) {
    problems.push(
      `\`table.transformKql\` cannot be set for format ${producer.format}, whose rows go to ${outputs.length} ` +
        'tables of different columns: remove it (or split the objects it should filter into a producer of their own format)',
    );
  }
  if (table.destination !== undefined && !['builtin', 'custom'].includes(table.destination)) {
    problems.push(
      `\`table.destination\` (${JSON.stringify(table.destination)}) must be 'builtin' or 'custom'`,
    );
  }
  // `auto` writes to the built-in table of each format that has one: 'builtin' is its default.
  if (
    table.destination === 'builtin' &&
    producer.format !== AUTO_FORMAT &&
    isFormatName(producer.format) &&
    builtinTableOf(producer.format) === undefined
  ) {
    const shaped = Object.entries(BUILTIN_DESTINATIONS)
      .map(([format, builtin]) => `${format} → ${builtin.name}`)
      .join(', ');
    problems.push(
      `\`table.destination\` is 'builtin', but format ${producer.format} has no built-in Sentinel table ` +
        `(${shaped}); remove it for a custom table`,
    );
  }
  const destination = destinationOf(producer);
  if (destination.kind === 'builtin') {
    // Microsoft's table, possibly shared with its connector or other producers: not ours to shape.
    for (const field of ['name', 'plan', 'retentionInDays', 'totalRetentionInDays'] as const) {
      if (table[field] !== undefined) {
        problems.push(
          `\`table.${field}\` cannot be set: the rows go to Sentinel's built-in table ${destination.table.name}, ` +
            "whose name is fixed and whose plan and retention are the workspace's to set; remove it, or set " +
            "`table.destination: 'custom'` for a table of this producer's own",
        );
      }
    }
  }
  const base = tableBaseName(producer);
  if (!TABLE_NAME.test(base) || base.length > TABLE_NAME_MAX) {
    problems.push(
      `table name (${JSON.stringify(base)}) must be 1–${TABLE_NAME_MAX} letters, digits or underscores starting with a letter (Azure adds _CL); set \`table.name\``,
    );
  }
  if (base.toUpperCase().endsWith('_CL')) {
    problems.push(
      `\`table.name\` (${JSON.stringify(base)}) must not end with _CL: the suffix is added for you`,
    );
  }
  const plan = table.plan ?? 'Analytics';
  if (!['Analytics', 'Basic', 'Auxiliary'].includes(plan)) {
    problems.push(`\`table.plan\` (${JSON.stringify(plan)}) must be 'Analytics', 'Basic' or 'Auxiliary'`);
  }
  if (table.retentionInDays !== undefined && plan !== 'Analytics') {
    problems.push(
      `\`table.retentionInDays\` is fixed by Azure for the ${plan} plan; remove it and set \`table.totalRetentionInDays\``,
    );
  }
  if (
    table.retentionInDays !== undefined &&
    table.totalRetentionInDays !== undefined &&
    table.totalRetentionInDays < table.retentionInDays
  ) {
    problems.push(
      `\`table.totalRetentionInDays\` (${table.totalRetentionInDays}) must be at least \`table.retentionInDays\` (${table.retentionInDays})`,
    );
  }
  if (table.transformKql !== undefined && table.transformKql.trim() === '') {
    problems.push('`table.transformKql` is empty; omit it for the default `source`');
  }
  return problems;
}

/** Every numeric field against its limit, then the rules that join two of them. */
function validateNumbers(producer: ProducerDefinition): string[] {
  const problems = (Object.keys(NUMERIC_LIMITS) as DefinitionField[])
    .map((field) => checkLimit(field, NUMERIC_LIMITS[field], definitionValue(producer, field)))
    .filter((problem): problem is string => problem !== undefined);
  const tuning = producer.lambda ?? {};
  const batching = checkBatchingWindow(
    { batchSize: 'lambda.batchSize', maxBatchingWindow: 'lambda.maxBatchingWindowSeconds' },
    tuning.batchSize,
    tuning.maxBatchingWindowSeconds,
  );
  if (batching) problems.push(batching);
  // Only when both are given: an omitted timeout is the construct's default, which it checks.
  if (typeof tuning.visibilityTimeoutSeconds === 'number' && typeof tuning.timeoutSeconds === 'number') {
    const visibility = checkVisibilityTimeout(
      { visibilityTimeout: 'lambda.visibilityTimeoutSeconds', timeout: 'lambda.timeoutSeconds' },
      tuning.visibilityTimeoutSeconds,
      tuning.timeoutSeconds,
    );
    if (visibility) problems.push(visibility);
  }
  if (typeof tuning.maxReceiveCount === 'number' && typeof tuning.timeoutSeconds === 'number') {
    const budget = checkReceiveBudget(
      { maxReceiveCount: 'lambda.maxReceiveCount', timeout: 'lambda.timeoutSeconds' },
      tuning.maxReceiveCount,
      tuning.timeoutSeconds,
    );
    if (budget) problems.push(budget);
  }
  return problems;
}

/** The value at `lambda.timeoutSeconds` and the like; definitions may come from untyped JSON. */
function definitionValue(producer: ProducerDefinition, field: DefinitionField): unknown {
  const [section, key] = field.split('.');
  const group: unknown = (producer as unknown as Record<string, unknown>)[section];
  return typeof group === 'object' && group !== null ? (group as Record<string, unknown>)[key] : undefined;
}

/** The names a producer's DCRs take after the prefix, and what each is (for messages). */
export function dcrStems(producer: ProducerDefinition): { stem: string; what: string }[] {
  if (
    typeof producer.name !== 'string' ||
    typeof producer.format !== 'string' ||
    !isLogFormat(producer.format)
  ) {
    return [];
  }
  const outputs = producerOutputs(producer);
  const bases =
    outputs === undefined
      ? [{ slug: undefined, what: 'its DCR' }]
      : outputs.map((o) => ({ slug: o.slug, what: `its output ${o.key}` }));
  const shards = Number.isInteger(producer.shards) ? Math.min(producer.shards ?? 1, MAX_SHARDS) : 1;
  return bases.flatMap(({ slug, what }) =>
    Array.from({ length: Math.max(shards, 1) }, (_, i) => ({
      stem: dcrStem(producer.name, slug, i + 1),
      what: i === 0 ? what : `${what}, shard ${i + 1}`,
    })),
  );
}

/** `routes` (with `auto` only) and `formatOptions` (checked by the formats that take them). */
function validateRoutesAndOptions(producer: ProducerDefinition): string[] {
  const problems: string[] = [];
  if (producer.routes !== undefined) {
    if (producer.format !== AUTO_FORMAT) {
      problems.push(
        `\`routes\` choose each object's format only with \`format: '${AUTO_FORMAT}'\`; remove them, or set that format`,
      );
    } else {
      problems.push(...compileRoutes(producer.routes, '`routes`').problems);
    }
  }
  if (producer.formatOptions !== undefined) {
    problems.push(
      ...checkFormatOptions(
        producer.formatOptions,
        producer.format,
        '`formatOptions`',
        `format ${producer.format}`,
      ).problems,
    );
  }
  return problems;
}
