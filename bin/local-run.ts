/**
 * The whole pipeline on one machine: s3rver stands in for S3, the Logs Ingestion emulator for
 * Azure (its stream declarations read from the synthesized Azure stack), and the real bundled
 * forwarder runs with the environment the synthesized AWS stack gives it. Every row is checked
 * against an independent count of the records in the objects, so a missing row is a failure.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { encodeS3EventKey } from '../cli/s3-event';
import type { Column } from '../lambda/formats';
import { BUILTIN_TABLES, isBuiltinTableName, type BuiltinTableName } from '../lambda/formats/builtin-tables';
import type * as ForwarderModule from '../lambda/pipeline/handler';
import type { ProducerDefinition } from '../lib/producer';
import { lambdaContext } from '../test/support/events';
import { IngestionEmulator } from '../test/support/ingestion-emulator';
import { startS3, type LocalS3 } from '../test/support/s3-server';

/** What the run found for one producer. */
export interface ProducerReport {
  readonly producer: string;
  readonly stream: string;
  /** The table the stream's DCR writes to: a built-in one (`AWSCloudTrail`) or `<Name>_CL`. */
  readonly table: string;
  readonly objects: number;
  readonly bytes: number;
  /** Rows the emulator accepted. */
  readonly rowsAccepted: number;
  /** Rows an independent count says the objects hold. */
  readonly rowsExpected: number;
  /** Lines the independent count says are malformed (reported, not sent). */
  readonly rowsMalformed: number;
  readonly duplicateRecordIds: number;
  readonly failedMessages: number;
  /** Median and maximum time from the S3 event to the end of the batch that delivered it, ms. */
  readonly lagMsP50: number;
  readonly lagMsMax: number;
}

interface LocalObject {
  readonly key: string;
  readonly body: Buffer;
  readonly expected: { rows: number; malformed: number };
}

/** The forwarder's environment, from the producer's synthesized CloudFormation template. */
export function functionEnvironment(cdkOut: string, stackName: string): Record<string, string> {
  const template = JSON.parse(readFileSync(join(cdkOut, `${stackName}.template.json`), 'utf8'));
  type Resource = {
    Type: string;
    Properties: { Handler?: string; Environment: { Variables: Record<string, unknown> } };
  };
  const fn = Object.values(template.Resources as Record<string, Resource>).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler',
  );
  if (!fn) throw new Error(`${stackName}.template.json has no forwarder function`);
  // Values that are CloudFormation references (the queue URLs) exist only once deployed; locally
  // there is no SQS, so the forwarder runs without them and falls back to plain retries.
  return Object.fromEntries(
    Object.entries(fn.Properties.Environment.Variables).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

/** Stream name → declared columns, from every DCR in the synthesized Azure stack. */
export function streamDeclarations(tfJson: string): Record<string, Column[]> {
  const streams: Record<string, Column[]> = {};
  for (const rule of dataCollectionRules(tfJson)) {
    for (const declaration of rule.stream_declaration ?? []) {
      streams[declaration.stream_name] = declaration.column;
    }
  }
  return streams;
}

/** Stream name → the table its data flow writes to (`Microsoft-AWSCloudTrail` → `AWSCloudTrail`). */
export function streamOutputTables(tfJson: string): Record<string, string> {
  const tables: Record<string, string> = {};
  for (const rule of dataCollectionRules(tfJson)) {
    for (const flow of rule.data_flow ?? []) {
      for (const stream of flow.streams)
        tables[stream] = flow.output_stream.replace(/^(Custom|Microsoft)-/, '');
    }
  }
  return tables;
}

interface DataCollectionRuleJson {
  readonly stream_declaration?: { stream_name: string; column: Column[] }[];
  readonly data_flow?: { streams: string[]; output_stream: string }[];
}

function dataCollectionRules(tfJson: string): DataCollectionRuleJson[] {
  const stack = JSON.parse(readFileSync(tfJson, 'utf8'));
  return Object.values(
    (stack.resource?.azurerm_monitor_data_collection_rule ?? {}) as Record<string, DataCollectionRuleJson>,
  );
}

/** Runs every producer through the local pipeline. */
export async function runLocalPipeline(options: {
  producers: readonly ProducerDefinition[];
  cdkOut: string;
  azureStackJson: string;
  fixtures: string;
  bundle: string;
  generatedLines: number;
  log?: (line: string) => void;
}): Promise<ProducerReport[]> {
  const log = options.log ?? (() => undefined);
  // The Lambda runs Node 22; this local run may be on Node 20, which the pinned SDK still supports.
  // Set before the first SDK client (the one filling s3rver below), which would print the notice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const streams = streamDeclarations(options.azureStackJson);
  const outputTables = streamOutputTables(options.azureStackJson);
  const bucketOf = (p: ProducerDefinition) => `local-${p.name}`;
  const s3 = await startS3(options.producers.map(bucketOf));
  const reports: ProducerReport[] = [];
  try {
    // The bundled handler reads these once per cold start, as on Lambda.
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    process.env.AWS_REGION = 'us-east-1';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const forwarder = require(options.bundle) as typeof ForwarderModule;
    for (const producer of options.producers) {
      const stackName = `s3-to-sentinel-${producer.name}`;
      const env = functionEnvironment(options.cdkOut, stackName);
      // A multi-output producer posts to a stream per output (DCR_OUTPUTS), the others to one.
      const outputs =
        env.DCR_OUTPUTS !== undefined
          ? (JSON.parse(env.DCR_OUTPUTS) as Record<string, { streamName: string }>)
          : undefined;
      const producerStreams =
        outputs !== undefined ? Object.values(outputs).map((o) => o.streamName) : [env.DCR_STREAM_NAME];
      for (const stream of producerStreams) {
        if (!streams[stream]) {
          throw new Error(
            `the AWS stack ${stackName} sends to ${stream}, but the Azure stack declares no such stream ` +
              `(it has ${Object.keys(streams).join(', ')}): the two clouds disagree`,
          );
        }
      }
      const builtin = producerStreams.filter((stream) => isBuiltinTableName(outputTables[stream] ?? ''));
      const emulator = await IngestionEmulator.start({
        dcrImmutableId: `dcr-${Buffer.from(producer.name).toString('hex').padEnd(32, '0').slice(0, 32)}`,
        streams: Object.fromEntries(producerStreams.map((stream) => [stream, streams[stream]])),
        // A built-in table's vendored schema must take the stream, or the run stops here.
        ...(builtin.length > 0
          ? {
              outputTables: Object.fromEntries(
                builtin.map((stream) => [stream, BUILTIN_TABLES[outputTables[stream] as BuiltinTableName]]),
              ),
            }
          : {}),
      });
      // Several streams are summed up in the report; their rows are counted together.
      const stream = producerStreams.length > 1 ? `${producerStreams.length} streams` : producerStreams[0];
      try {
        const objects = objectsFor(producer, options.fixtures, options.generatedLines);
        log(`${producer.name}: ${objects.length} objects → s3://${bucketOf(producer)} → ${stream}`);
        const handler = forwarder.createHandler(
          forwarder.createDependencies({
            env: {
              ...process.env,
              ...env,
              LOGS_INGESTION_ENDPOINT: emulator.endpoint,
              DCR_IMMUTABLE_ID: emulator.dcrImmutableId,
              // Every output's stream on the emulator's one DCR (outputs may share a DCR).
              ...(outputs !== undefined
                ? {
                    DCR_OUTPUTS: JSON.stringify(
                      Object.fromEntries(
                        Object.entries(outputs).map(([key, o]) => [
                          key,
                          { streamName: o.streamName, dcrImmutableIds: [emulator.dcrImmutableId] },
                        ]),
                      ),
                    ),
                  }
                : {}),
            },
            // Entra ID has no local stand-in: the emulator's own token replaces the SSM secret.
            credential: emulator.credential,
            clientOptions: emulator.clientOptions(),
          }),
        );
        const records = await upload(s3, bucketOf(producer), objects);
        let failedMessages = 0;
        const lags: number[] = [];
        // SQS-shaped batches of up to 10 messages, as the event source mapping delivers them.
        for (let i = 0; i < records.length; i += 10) {
          const batch = records.slice(i, i + 10);
          const result = await handler(
            { Records: batch } satisfies SQSEvent,
            lambdaContext(300_000, stackName),
          );
          failedMessages += result.batchItemFailures.length;
          // Upper bound of each object's lag: its rows were accepted before the batch returned.
          const done = Date.now();
          for (const record of batch)
            lags.push(done - Date.parse(JSON.parse(record.body).Records[0].eventTime));
        }
        lags.sort((a, b) => a - b);
        const rows = producerStreams.flatMap((each) => emulator.rows(each));
        const ids = new Set(rows.map((r) => r.RecordId));
        reports.push({
          producer: producer.name,
          stream,
          table:
            producerStreams.length > 1
              ? `${new Set(producerStreams.map((each) => outputTables[each])).size} tables`
              : (outputTables[stream] ?? '?'),
          objects: objects.length,
          bytes: objects.reduce((sum, o) => sum + o.body.length, 0),
          rowsAccepted: rows.length,
          rowsExpected: objects.reduce((sum, o) => sum + o.expected.rows, 0),
          rowsMalformed: objects.reduce((sum, o) => sum + o.expected.malformed, 0),
          duplicateRecordIds: rows.length - ids.size,
          failedMessages,
          lagMsP50: lags.length ? lags[Math.floor(lags.length / 2)] : 0,
          lagMsMax: lags.length ? lags[lags.length - 1] : 0,
        });
      } finally {
        await emulator.close();
      }
    }
  } finally {
    await s3.close();
  }
  return reports;
}

/** The sample files of the producer's format, gzip-compressed as AWS delivers them, plus a generated one. */
function objectsFor(producer: ProducerDefinition, fixtures: string, generatedLines: number): LocalObject[] {
  const prefix = producer.prefix ?? '';
  const suffix = producer.suffix ?? '';
  const sample = (
    dir: string,
    file: string,
    key: string,
    expected: LocalObject['expected'],
  ): LocalObject => ({
    key: `${prefix}${key}${suffix}`,
    body: gzipSync(readFileSync(join(fixtures, dir, file))),
    expected,
  });
  const files = (dir: string) => readdirSync(join(fixtures, dir)).sort();
  switch (producer.format) {
    case 'cloudtrail':
      return [
        ...files('cloudtrail').map((f) =>
          sample(
            'cloudtrail',
            f,
            `123456789012/CloudTrail/eu-west-1/2026/11/28/${f.replace(/\.json$/, '')}`,
            {
              rows: countCloudTrail(readFileSync(join(fixtures, 'cloudtrail', f))),
              malformed: 0,
            },
          ),
        ),
        // A digest file: acknowledged and skipped, never rows.
        sample(
          'cloudtrail-digest',
          'cloudtrail_digest.json',
          '123456789012/CloudTrail-Digest/eu-west-1/2026/11/28/digest',
          {
            rows: 0,
            malformed: 0,
          },
        ),
      ];
    case 'vpcflow':
      return files('vpcflow').map((f) =>
        sample(
          'vpcflow',
          f,
          `123456789012/vpcflowlogs/eu-west-1/2026/11/28/${f}`,
          countVpcFlow(readFileSync(join(fixtures, 'vpcflow', f))),
        ),
      );
    case 'ndjson': {
      const ndjson = [
        ['waf', 'valid_log_multi.json'],
        ['network-firewall', 'alert_log_multi.json'],
      ].map(([dir, f]) =>
        sample(dir, f, `samples/${dir}-${f}`, countNdjson(readFileSync(join(fixtures, dir, f)))),
      );
      const generated = generatedNdjson(generatedLines);
      return [
        ...ndjson,
        {
          key: `${prefix}generated/app-${generatedLines}${suffix}`,
          body: gzipSync(generated),
          expected: countNdjson(generated),
        },
      ];
    }
    case 'json':
      return ['alert_log.json', 'flow_log.json', 'tls_log.json'].map((f) =>
        sample('network-firewall', f, `samples/${f}`, { rows: 1, malformed: 0 }),
      );
    case 'text':
      return files('alb').map((f) =>
        sample('alb', f, `samples/${f}`, {
          rows: countLines(readFileSync(join(fixtures, 'alb', f))),
          malformed: 0,
        }),
      );
    case 'networkfirewall':
      // Under the log type's prefix, as Network Firewall writes them (alert, flow, tls).
      return files('network-firewall').map((f) =>
        sample(
          'network-firewall',
          f,
          `123456789012/network-firewall/${f.startsWith('flow') ? 'flow' : f.startsWith('tls') ? 'tls' : 'alert'}/eu-west-1/fw/2026/11/28/${f}`,
          { rows: countJsonRecords(readFileSync(join(fixtures, 'network-firewall', f))), malformed: 0 },
        ),
      );
    case 'auto': {
      // A log-archive bucket: each sample under the key layout AWS writes it with, so the default
      // routes (and the example's route for S3 access logs) send it to its format; one object no
      // route matches goes to the catch-all.
      const at = (dir: string, file: string, key: string, count: (raw: Buffer) => LocalObject['expected']) =>
        sample(dir, file, key, count(readFileSync(join(fixtures, dir, file))));
      const rows = (count: (raw: Buffer) => number) => (raw: Buffer) => ({ rows: count(raw), malformed: 0 });
      const day = '2026/11/28';
      const acct = '123456789012';
      return [
        at(
          'cloudtrail',
          'cloudtrail_log.json',
          `AWSLogs/${acct}/CloudTrail/eu-west-1/${day}/${acct}_CloudTrail_eu-west-1_20261128T0000Z_a.json.gz`,
          rows(countCloudTrail),
        ),
        at(
          'vpcflow',
          'valid_vpc_flow_log_multi.log',
          `AWSLogs/${acct}/vpcflowlogs/eu-west-1/${day}/${acct}_vpcflowlogs_eu-west-1_fl-0abc_20261128T0000Z_b.log.gz`,
          countVpcFlow,
        ),
        at(
          'alb',
          'alb_al_valid_logs.log',
          `AWSLogs/${acct}/elasticloadbalancing/eu-west-1/${day}/${acct}_elasticloadbalancing_eu-west-1_app.web.0123456789abcdef_20261128T0000Z_10.0.0.1_c.log.gz`,
          rows(countLines),
        ),
        at(
          'guardduty',
          'guardduty_findings_export.jsonl',
          `AWSLogs/${acct}/GuardDuty/eu-west-1/${day}/0b1c2d3e-findings.jsonl.gz`,
          rows(countLines),
        ),
        at(
          'network-firewall',
          'alert_log_multi.json',
          `AWSLogs/${acct}/network-firewall/alert/eu-west-1/fw/${day}/10/${acct}_network-firewall_alert_d.log.gz`,
          rows(countJsonRecords),
        ),
        at(
          'waf',
          'valid_log_multi.json',
          `AWSLogs/${acct}/WAFLogs/eu-west-1/web-acl/${day}/10/00/${acct}_waflogs_eu-west-1_web-acl_e.log.gz`,
          rows(countLines),
        ),
        at(
          'route53resolver',
          'dns-sample.json',
          `AWSLogs/${acct}/vpcdnsquerylogs/vpc-0abc/${day}/vpc-0abc.f.log.gz`,
          rows(countJsonRecords),
        ),
        at(
          's3access',
          'valid_log_multi.log',
          `s3-access/example-org-data/2026-11-28-10-00-00-G`,
          rows(countLines),
        ),
        at(
          'cloudfront',
          'web-1-0-2019-12.txt',
          `cloudfront/E2EXAMPLE123.2026-11-28-10.abcdef12.gz`,
          rows(countW3cRecords),
        ),
        at('alb', 'alb_al_invalid_syntax.log', 'misc/not-a-known-layout.log', rows(countLines)),
      ];
    }
    default:
      throw new Error(
        `the local run has no samples for format ${producer.format} (producer ${producer.name}): ` +
          'add its case to objectsFor in bin/local-run.ts',
      );
  }
}

/** Application-log-like NDJSON with one malformed line every 10,000. */
export function generatedNdjson(lines: number): Buffer {
  const out: string[] = [];
  const start = Date.parse('2026-11-28T00:00:00Z');
  for (let i = 0; i < lines; i++) {
    out.push(
      i % 10_000 === 9_999
        ? `{"truncated": "line ${i}`
        : JSON.stringify({
            timestamp: new Date(start + i * 10).toISOString(),
            level: i % 50 === 0 ? 'warn' : 'info',
            service: 'checkout',
            message: `request ${i} served`,
            user: { id: `u-${i % 977}`, ip: `10.0.${i % 256}.${(i * 7) % 256}` },
            latencyMs: (i * 13) % 900,
          }),
    );
  }
  return Buffer.from(out.join('\n') + '\n');
}

// Independent counts: deliberately naive (whole-buffer parsing), sharing no code with the forwarder.
function countCloudTrail(raw: Buffer): number {
  const doc = JSON.parse(raw.toString('utf8'));
  return Array.isArray(doc.Records) ? doc.Records.length : 0;
}

/** One JSON object per line, or one pretty-printed document. */
function countJsonRecords(raw: Buffer): number {
  const lines = raw
    .toString('utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const perLine = lines.every((l) => {
    try {
      return typeof JSON.parse(l) === 'object';
    } catch {
      return false;
    }
  });
  return perLine ? lines.length : 1;
}

function countVpcFlow(raw: Buffer): LocalObject['expected'] {
  const lines = raw
    .toString('utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const fields = lines[0].trim().split(/\s+/).length;
  const data = lines.slice(1);
  const bad = data.filter((l) => l.trim().split(/\s+/).length !== fields).length;
  return { rows: data.length - bad, malformed: bad };
}

function countNdjson(raw: Buffer): LocalObject['expected'] {
  let rows = 0;
  let malformed = 0;
  for (const line of raw.toString('utf8').split(/\r?\n/)) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) rows += 1;
      else malformed += 1;
    } catch {
      malformed += 1;
    }
  }
  return { rows, malformed };
}

/** W3C extended log records: lines other than `#` directives. */
function countW3cRecords(raw: Buffer): number {
  return raw
    .toString('utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
}

function countLines(raw: Buffer): number {
  return raw
    .toString('utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '').length;
}

/** Uploads the objects and returns the S3 notifications S3 would send, as SQS records. */
async function upload(s3: LocalS3, bucket: string, objects: readonly LocalObject[]): Promise<SQSRecord[]> {
  const records: SQSRecord[] = [];
  for (const [i, object] of objects.entries()) {
    const { eTag } = await s3.put(bucket, object.key, object.body);
    const notification = {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'us-east-1',
          eventTime: new Date().toISOString(),
          eventName: 'ObjectCreated:Put',
          s3: {
            s3SchemaVersion: '1.0',
            bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
            object: {
              // Encoded as S3 encodes keys in notifications (the CLI's backfill uses the same function).
              key: encodeS3EventKey(object.key),
              size: object.body.length,
              eTag: eTag?.replace(/"/g, ''),
              sequencer: String(i).padStart(16, '0'),
            },
          },
        },
      ],
    };
    records.push({
      messageId: `local-${bucket}-${i}`,
      receiptHandle: `receipt-${i}`,
      body: JSON.stringify(notification),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 's3.amazonaws.com',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${bucket}`,
      awsRegion: 'us-east-1',
    });
  }
  return records;
}
