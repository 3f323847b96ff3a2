import type { ProducerDefinition } from '../lib/producer';

/**
 * The example configuration `npm start` and `cdk synth` build from: one stack per producer on
 * AWS, and on Azure a DCR stream per table a producer writes to: Sentinel's built-in table for the
 * format, or a custom table. Edit this list to deploy your own producers.
 */
export const producers: ProducerDefinition[] = [
  {
    name: 'cloudtrail',
    bucket: { kind: 'existing', bucketName: 'example-org-cloudtrail-logs' },
    prefix: 'AWSLogs/',
    suffix: '.json.gz',
    format: 'cloudtrail',
    // No `table`: the rows go to Sentinel's built-in AWSCloudTrail, where its detections look. No
    // `lambda` or `alarms` either: omitted tuning takes the forwarder construct's defaults.
  },
  {
    name: 'vpc-flow',
    bucket: { kind: 'new' },
    prefix: 'AWSLogs/',
    format: 'vpcflow',
    notification: 'eventbridge',
    // Sentinel's built-in AWSVPCFlow, read by its ASIM network-session parser.
    lambda: { memorySizeMb: 1536, batchSize: 50, maxBatchingWindowSeconds: 5, maxConcurrency: 20 },
  },
  {
    name: 'network-firewall',
    bucket: { kind: 'new' },
    prefix: 'AWSLogs/',
    format: 'networkfirewall',
    // One object mixes alert, flow and TLS records: three built-in tables, a DCR each, one queue.
  },
  {
    name: 'log-archive',
    bucket: { kind: 'existing', bucketName: 'example-org-log-archive' },
    format: 'auto',
    // A Control Tower log-archive bucket taken whole: each object goes to its format's table by the
    // key layout AWS writes; what no route matches lands in LogArchiveUnrouted_CL.
    routes: [
      { match: '^s3-access/', format: 's3access', description: 'server access logs of the org buckets' },
    ],
  },
  {
    name: 'app-logs',
    bucket: { kind: 'new' },
    prefix: 'app/',
    suffix: '.ndjson.gz',
    format: 'ndjson',
    // Drops debug lines at ingestion: they are never queried and cost as much as the rest.
    table: { transformKql: "source | where tostring(Record.level) != 'debug'" },
    alarms: { oldestMessageAgeSeconds: 600 },
  },
];
