import type { FormatRoute, LogFormat } from '../../lambda/formats';

/**
 * One log producer, declared once. The same definition makes its AWS stack (bin/aws.ts), its
 * custom table and DCR stream (bin/azure.ts), and selects the forwarder's parser at run time.
 * Plain data (seconds, not `Duration`) so the CDK app, the CDKTF app and the CLI all read it.
 */
export interface ProducerDefinition {
  /**
   * Lower-case letters, digits and hyphens, starting with a letter, at most 32 characters. Used in
   * stack, queue, alarm and parameter names, so renaming a producer replaces its resources.
   */
  readonly name: string;
  /** Where the producer's objects land. */
  readonly bucket: ProducerBucket;
  /**
   * Only objects whose key starts with this prefix are forwarded.
   * @default - every object in the bucket
   */
  readonly prefix?: string;
  /**
   * Only objects whose key ends with this suffix are forwarded.
   * @default - no suffix filter
   */
  readonly suffix?: string;
  /**
   * How S3 tells the queue about new objects: `direct` uses the bucket's notification
   * configuration; `eventbridge` turns on the bucket's EventBridge notifications and routes
   * "Object Created" events with a rule, for buckets whose notification configuration is owned
   * by someone else.
   * @default 'direct'
   */
  readonly notification?: NotificationMode;
  /**
   * How the objects are parsed; selects both the forwarder's parser and the table's columns.
   * `auto` takes a whole log-archive bucket: each object's format is chosen by its key (`routes`,
   * then the layouts AWS writes, `DEFAULT_ROUTES` in lambda/formats/routes.ts), its rows go to that
   * format's table, and an object no route matches goes, line by line, to a catch-all custom table
   * `<Name>Unrouted_CL` (counted in `UnroutedObjects`): never dropped.
   */
  readonly format: LogFormat;
  /**
   * With `format: 'auto'`: routes tried before the default ones, first match wins, each a regular
   * expression tested against the object key and the format of the objects it matches (S3 server
   * access logs, Security Hub and CloudWatch deliveries have prefixes of your choosing). Every format
   * a route can reach gets its stream and table.
   * @default - the default routes only
   */
  readonly routes?: readonly FormatRoute[];
  /**
   * Options of the format that takes them (`csv`: `{ delimiter: ';' }`); with `format: 'auto'`,
   * keyed by format (`{ csv: { delimiter: ';' } }`).
   * @default - the format's defaults
   */
  readonly formatOptions?: Readonly<Record<string, unknown>>;
  /** @default - see `TableOptions` */
  readonly table?: TableOptions;
  /**
   * How many data collection rules (1–`MAX_SHARDS`, 10) carry this producer's rows into its table.
   * Azure limits each DCR (about 2 GB and 12,000 requests a minute); every shard is one more DCR
   * with the same stream, columns and transform, writing to the same table, with its own ingestion
   * role assignment, error logs and error alert, and the forwarder spreads its batches across them.
   * The default `lambda.maxConcurrency` grows with it (`defaultMaxConcurrency`). Raise it with the
   * Azure stack first (it creates the DCRs); lower it with the AWS stacks first (they stop posting
   * to the DCRs the Azure deploy then removes). Shard 1 is the DCR a producer always had.
   * @default 1
   */
  readonly shards?: number;
  /** @default - see `LambdaTuning` */
  readonly lambda?: LambdaTuning;
  /** @default - see `AlarmOptions` */
  readonly alarms?: AlarmOptions;
}

export type NotificationMode = 'direct' | 'eventbridge';

/** An existing bucket, imported by name, or a bucket the producer's stack creates. */
export type ProducerBucket = ExistingBucket | NewBucket;

export interface ExistingBucket {
  readonly kind: 'existing';
  readonly bucketName: string;
  /**
   * ARN of the customer-managed KMS key the bucket encrypts objects with (SSE-KMS). The forwarder
   * gets kms:Decrypt on it, conditioned on kms:ViaService s3.
   * @default - the bucket uses SSE-S3 or no encryption the forwarder must decrypt
   */
  readonly kmsKeyArn?: string;
}

export interface NewBucket {
  readonly kind: 'new';
  /**
   * @default - a name CloudFormation generates
   */
  readonly bucketName?: string;
}

export type TablePlan = 'Analytics' | 'Basic' | 'Auxiliary';

export interface TableOptions {
  /**
   * `builtin`: Sentinel's own table for the format (`AWSCloudTrail` for `cloudtrail`, `AWSVPCFlow`
   * for `vpcflow`), where its analytics rules, hunting queries and ASIM parsers look; the provenance
   * columns land there as `_CF` columns. `custom`: a table `<Name>_CL` of this producer's own, with
   * the same columns. Formats with no built-in table always go to a custom one. A built-in table is
   * Microsoft's and may be shared, so `name`, `plan` and the retentions are not set through it.
   * @default - `builtin` where the format has a built-in table, else `custom`
   */
  readonly destination?: 'builtin' | 'custom';
  /**
   * Table name without the `_CL` suffix Azure adds to custom tables.
   * @default - the producer name in PascalCase, e.g. `app-logs` → `AppLogs` (table `AppLogs_CL`)
   */
  readonly name?: string;
  /**
   * Log Analytics table plan. Analytics for detections; Basic/Auxiliary cost less but cannot
   * drive scheduled analytics rules. Auxiliary tables hold no dynamic columns (today only the
   * `text` format qualifies) and get no no-data alert.
   * @default 'Analytics'
   */
  readonly plan?: TablePlan;
  /**
   * Interactive retention in days (4–730, Analytics plan only).
   * @default - the workspace's retention
   */
  readonly retentionInDays?: number;
  /**
   * Total retention including long-term retention, in days (4–4383). Required for the Auxiliary
   * plan.
   * @default - the interactive retention (Analytics and Basic plans)
   */
  readonly totalRetentionInDays?: number;
  /**
   * The DCR's transformKql for this producer's stream.
   * @default 'source'
   */
  readonly transformKql?: string;
}

/**
 * The forwarder's tuning, as plain data in seconds and MB so the CDK app, the CDKTF app and the
 * CLI can all read it. Each field is one `S3ToSentinelForwarderProps` prop under a name that
 * carries its unit (`timeoutSeconds` → `timeout`, `memorySizeMb` → `memorySize`);
 * `forwarderPropsFromProducer` (lib/aws/producer-stack.ts) is the one place that converts, and
 * passes an omitted field on as omitted, so every default below is the construct's. Ranges are
 * `NUMERIC_LIMITS` (lib/producer/rules.ts), which the construct checks too.
 */
export interface LambdaTuning {
  /**
   * Memory in MB (128–10240), the construct's `memorySize`. Throughput of gunzip + JSON parsing
   * scales with CPU, which scales with memory.
   * @default 1024
   */
  readonly memorySizeMb?: number;
  /**
   * Function timeout in seconds (30–900; the forwarder keeps 10 s back to hand over before the
   * deadline), the construct's `timeout`. Long enough to stream a large object; the queue's
   * visibility timeout is derived from it.
   * @default 300
   */
  readonly timeoutSeconds?: number;
  /**
   * Messages per invocation (1–10000; above 10 needs a batching window), the construct's
   * `batchSize`.
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * Seconds the event source waits to fill a batch (0–300), the construct's `maxBatchingWindow`.
   * @default - no batching window
   */
  readonly maxBatchingWindowSeconds?: number;
  /**
   * Most concurrent invocations the SQS event source starts (2–1000), so a backlog cannot
   * exhaust the account's concurrency or the DCRs' ingestion limits. The construct's
   * `maxConcurrency`.
   * @default - 10 per shard (`defaultMaxConcurrency`): 10 invocations × 4 parallel uploads are the
   * 1 MB posts in flight that fill one DCR's 2 GB a minute
   */
  readonly maxConcurrency?: number;
  /**
   * Queue visibility timeout in seconds (0–43200, and greater than the function timeout), the
   * construct's `visibilityTimeout`.
   * @default - six times the function timeout (AWS's guidance for SQS event sources)
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * Receives before a message that fails on its own object moves to the DLQ (1–18, fewer with a
   * long timeout: the processing and back-off of more would outlive the queue's 7-day retention),
   * the construct's `maxReceiveCount`.
   * @default 5
   */
  readonly maxReceiveCount?: number;
}

export interface AlarmOptions {
  /**
   * Alarm when the oldest message in the queue is older than this many seconds (60–1209600, one
   * minute to SQS's 14-day retention), the construct's `oldestMessageAgeThreshold`.
   * @default 300 - five minutes, the near-real-time latency goal
   */
  readonly oldestMessageAgeSeconds?: number;
  /**
   * Email address subscribed to an SNS topic that receives every alarm of this producer, the
   * construct's `alarmEmail`.
   * @default - no topic; alarms have no actions
   */
  readonly email?: string;
}
