import { FORMAT_NAMES, isFormatName } from '../../lambda/formats';
import { tableBaseName } from './naming';
import type { ProducerDefinition } from './producer';

/** Thrown for a producer configuration that cannot be deployed; the message says what to change. */
export class ProducerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProducerConfigError';
  }
}

const PRODUCER_NAME = /^[a-z][a-z0-9-]{0,31}$/;
// Azure custom table names: letters, digits and underscores, starting with a letter; the full
// name including `_CL` is limited to 63 characters.
const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const TABLE_NAME_MAX = 63 - '_CL'.length;
// S3 bucket naming rules (general purpose buckets).
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

interface Range {
  readonly field: string;
  readonly min: number;
  readonly max: number;
  readonly value: number | undefined;
}

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
    const table = tableBaseName(producer).toLowerCase();
    const owner = tables.get(table);
    if (owner !== undefined) {
      problems.push(
        `${where}: table ${tableBaseName(producer)}_CL collides with producer "${owner}" ` +
          '(Azure table names are case-insensitive); set `table.name` on one of them',
      );
    } else {
      tables.set(table, producer.name);
    }
  });
  if (problems.length > 0) {
    throw new ProducerConfigError(`Invalid producer configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** The problems with one producer, each naming the field and what is allowed. */
export function validateProducer(producer: ProducerDefinition): string[] {
  const problems: string[] = [];
  if (typeof producer.name !== 'string' || !PRODUCER_NAME.test(producer.name)) {
    problems.push(
      `\`name\` (${JSON.stringify(producer.name)}) must be 1–32 lower-case letters, digits or hyphens, starting with a letter`,
    );
  }
  if (!isFormatName(producer.format)) {
    problems.push(
      `\`format\` (${JSON.stringify(producer.format)}) is not a known format; use one of: ${FORMAT_NAMES.join(', ')}`,
    );
  }
  const notification = producer.notification ?? 'direct';
  if (notification !== 'direct' && notification !== 'eventbridge') {
    problems.push(`\`notification\` (${JSON.stringify(notification)}) must be 'direct' or 'eventbridge'`);
  }
  problems.push(...validateBucket(producer));
  problems.push(...validateTable(producer));
  problems.push(...validateTuning(producer));
  const email = producer.alarms?.email;
  if (email !== undefined && !EMAIL.test(email)) {
    problems.push(`\`alarms.email\` (${JSON.stringify(email)}) is not an email address`);
  }
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
  problems.push(
    ...checkRanges([
      { field: 'table.retentionInDays', min: 4, max: 730, value: table.retentionInDays },
      { field: 'table.totalRetentionInDays', min: 4, max: 4383, value: table.totalRetentionInDays },
    ]),
  );
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

function validateTuning(producer: ProducerDefinition): string[] {
  const tuning = producer.lambda ?? {};
  const alarms = producer.alarms ?? {};
  const problems = checkRanges([
    { field: 'lambda.memorySizeMb', min: 128, max: 10240, value: tuning.memorySizeMb },
    { field: 'lambda.timeoutSeconds', min: 30, max: 900, value: tuning.timeoutSeconds },
    { field: 'lambda.batchSize', min: 1, max: 10000, value: tuning.batchSize },
    { field: 'lambda.maxBatchingWindowSeconds', min: 0, max: 300, value: tuning.maxBatchingWindowSeconds },
    { field: 'lambda.maxConcurrency', min: 2, max: 1000, value: tuning.maxConcurrency },
    { field: 'lambda.visibilityTimeoutSeconds', min: 1, max: 43200, value: tuning.visibilityTimeoutSeconds },
    { field: 'lambda.maxReceiveCount', min: 1, max: 1000, value: tuning.maxReceiveCount },
    { field: 'alarms.oldestMessageAgeSeconds', min: 60, max: 1209600, value: alarms.oldestMessageAgeSeconds },
  ]);
  if ((tuning.batchSize ?? 10) > 10 && (tuning.maxBatchingWindowSeconds ?? 0) === 0) {
    problems.push(
      `\`lambda.batchSize\` (${tuning.batchSize}) above 10 needs \`lambda.maxBatchingWindowSeconds\` of at least 1 (an SQS event source rule)`,
    );
  }
  return problems;
}

function checkRanges(ranges: readonly Range[]): string[] {
  return ranges
    .filter(
      (r) => r.value !== undefined && (!Number.isInteger(r.value) || r.value < r.min || r.value > r.max),
    )
    .map((r) => `\`${r.field}\` (${r.value}) must be a whole number from ${r.min} to ${r.max}`);
}
