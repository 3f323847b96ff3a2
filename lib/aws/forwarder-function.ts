import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENTRA_TOKEN_EXCHANGE_AUDIENCE, ENV, type AuthMode } from '../../lambda/contract/environment';
import { METRICS_NAMESPACE } from '../../lambda/contract/metric-names';
import {
  AUTO_FORMAT,
  autoOutputKeyNames,
  checkFormatOptions,
  compileRoutes,
  outputNamesOf,
  type FormatRoute,
  type LogFormat,
} from '../../lambda/formats';
import { dcrIdsProblem } from '../producer/azure-coordinates';
import { awsResourceNames, secretKeyAlias, secretParameterName } from '../producer/naming';
import { MAX_SHARDS, defaultMaxConcurrency } from '../producer/rules';
import { FORWARDER_SERVICE_NAME } from './forwarder-metrics';
import { forwarderBundleDir } from './lambda-asset';
import type { SentinelDestination } from './s3-to-sentinel-forwarder';

/** The function's timeout when none is given: long enough to stream a large object. */
export const DEFAULT_FUNCTION_TIMEOUT = Duration.minutes(5);

export interface ForwarderFunctionProps {
  /** The producer's name; names the function, role and log group. */
  readonly producerName: string;
  /** How the producer's objects are parsed. */
  readonly format: LogFormat;
  /** With `auto`: the producer's own routes (FORMAT_ROUTES). @default - none */
  readonly routes?: readonly FormatRoute[];
  /** The format's options (FORMAT_OPTIONS). @default - none */
  readonly formatOptions?: Readonly<Record<string, unknown>>;
  /** The bucket the function reads objects from. */
  readonly bucket: s3.IBucket;
  /**
   * The bucket's SSE-KMS key; the function gets kms:Decrypt on it through S3 only.
   * @default - `bucket.encryptionKey`, or none (SSE-S3)
   */
  readonly bucketEncryptionKey?: kms.IKey;
  /**
   * Key prefix of the objects the function may read.
   * @default - the whole bucket
   */
  readonly prefix?: string;
  /** Where rows go in Azure. */
  readonly destination: SentinelDestination;
  /**
   * `secret`: read an Entra client secret from SSM. `federated`: mint a web identity token.
   * @default 'secret'
   */
  readonly authMode?: AuthMode;
  /** The notification queue the function consumes (and sends continuations to). */
  readonly queue: sqs.IQueue;
  /** The dead-letter queue the function sends permanent failures to. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The key both queues are encrypted with. */
  readonly queueKey: kms.IKey;
  /**
   * Function timeout.
   * @default Duration.minutes(5) - long enough to stream a large object
   */
  readonly timeout?: Duration;
  /**
   * Function memory in MB; CPU (gunzip, JSON parsing) scales with it.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Messages per invocation.
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long the event source waits to fill a batch.
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Most concurrent invocations the event source starts.
   * @default - `defaultMaxConcurrency` of the destination's DCRs: 10 per DCR
   */
  readonly maxConcurrency?: number;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Name of the SSM SecureString parameter holding the client secret.
   * @default - `/s3-to-sentinel/<producerName>/client-secret`
   */
  readonly secretParameterName?: string;
  /**
   * Who may write the client secret (`put-secret`): the secret key's policy lets them encrypt with
   * it through SSM, for the secret's parameter only. No one but the forwarder may decrypt.
   * @default - any principal of the account whose IAM policy allows it (the account delegates to IAM)
   */
  readonly secretWriters?: iam.IPrincipal[];
  /**
   * The function's code.
   * @default - the forwarder bundle shipped in this package
   */
  readonly code?: lambda.Code;
  /**
   * Text added to the description of the function.
   * @default - none
   */
  readonly descriptionSuffix?: string;
}

/**
 * Part of `S3ToSentinelForwarder`: the forwarder function, its role, log group and event source
 * mapping, the key for its client secret, and least-privilege grants on the objects, the secret
 * and the queues.
 *
 * Not a construct of its own, for the reason `ForwarderQueues` gives: it adds its resources to
 * `scope` under the ids that are part of their logical ids.
 */
export class ForwarderFunction {
  /** Encrypts the SSM SecureString holding the client secret. */
  public readonly secretKey: kms.Key;
  /** The SecureString's name; CloudFormation cannot create its value (see `put-secret`). */
  public readonly secretParameterName: string;
  public readonly logGroup: logs.LogGroup;
  /** The function's execution role. */
  public readonly role: iam.Role;
  public readonly function: lambda.Function;

  constructor(scope: Construct, props: ForwarderFunctionProps) {
    const producer = props.producerName;
    const names = awsResourceNames(producer);
    const authMode = props.authMode ?? 'secret';
    const dcrIds = checkDestination(producer, props.destination);
    checkEnvironmentSize(producer, props);

    this.secretParameterName = props.secretParameterName ?? secretParameterName(producer);
    this.secretKey = new kms.Key(scope, 'SecretKey', {
      description: `s3-to-sentinel ${producer}: encrypts the Sentinel client secret in SSM`,
      enableKeyRotation: true,
      alias: secretKeyAlias(producer),
      removalPolicy: RemovalPolicy.RETAIN,
      // Instead of CDK's default (the account root with kms:*): see secretKeyPolicy.
      policy: secretKeyPolicy(scope, this.secretParameterName, props.secretWriters),
    });

    this.logGroup = new logs.LogGroup(scope, 'LogGroup', {
      logGroupName: `/aws/lambda/${names.functionName}`,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: it may write to this log group only.
    this.role = new iam.Role(scope, 'Role', {
      roleName: names.roleName,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `s3-to-sentinel ${producer}: the forwarder function`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new lambda.Function(scope, 'Function', {
      role: this.role,
      functionName: names.functionName,
      description:
        `s3-to-sentinel ${producer}: forwards s3://${props.bucket.bucketName}/${props.prefix ?? ''}* ` +
        `(${props.format}) to ${props.destination.streamName}${props.descriptionSuffix ? ` ${props.descriptionSuffix}` : ''}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: props.code ?? lambda.Code.fromAsset(forwarderBundleDir()),
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? DEFAULT_FUNCTION_TIMEOUT,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        [ENV.producerName]: producer,
        [ENV.format]: props.format,
        ...(props.routes !== undefined && props.routes.length > 0
          ? { [ENV.formatRoutes]: JSON.stringify(props.routes) }
          : {}),
        ...(props.formatOptions !== undefined
          ? { [ENV.formatOptions]: JSON.stringify(props.formatOptions) }
          : {}),
        [ENV.tenantId]: props.destination.tenantId,
        [ENV.clientId]: props.destination.clientId,
        [ENV.logsIngestionEndpoint]: props.destination.logsIngestionEndpoint,
        [ENV.dcrImmutableId]: props.destination.dcrImmutableId,
        // Only with shards: a one-DCR function's environment stays what it always was.
        ...(dcrIds.length > 1 ? { [ENV.dcrImmutableIds]: dcrIds.join(',') } : {}),
        // Only for a multi-output format: each output's stream and DCRs (lambda/core/config.ts checks them).
        ...(props.destination.outputs !== undefined
          ? { [ENV.dcrOutputs]: Stack.of(scope).toJsonString(props.destination.outputs) }
          : {}),
        [ENV.streamName]: props.destination.streamName,
        [ENV.authMode]: authMode,
        [ENV.clientSecretParameter]: this.secretParameterName,
        [ENV.queueUrl]: props.queue.queueUrl,
        [ENV.deadLetterQueueUrl]: props.deadLetterQueue.queueUrl,
        POWERTOOLS_SERVICE_NAME: FORWARDER_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    this.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: props.batchSize ?? 10,
        maxBatchingWindow: props.maxBatchingWindow,
        maxConcurrency: props.maxConcurrency ?? defaultMaxConcurrency(dcrIds.length),
        // The handler reports failed messages only; without this pairing one poison object would
        // re-deliver (and duplicate) every other object of its batch.
        reportBatchItemFailures: true,
      }),
    );
    this.grantQueueWrites(scope, props);
    this.grantReads(scope, props, authMode);
    this.acknowledgeNagFindings(scope, props);
  }

  /**
   * Permanent failures go straight to the DLQ with their reason instead of five retries, and an
   * object the function runs out of time on continues in a new message on the source queue.
   */
  private grantQueueWrites(scope: Construct, props: ForwarderFunctionProps): void {
    // Written out rather than grantSendMessages, which adds kms:ReEncrypt* and GenerateDataKey*.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendFailuresAndContinuations',
        actions: ['sqs:SendMessage'],
        resources: [props.deadLetterQueue.queueArn, props.queue.queueArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptQueueMessages',
        actions: ['kms:GenerateDataKey'],
        resources: [props.queueKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(scope).region}.amazonaws.com` } },
      }),
    );
  }

  /** Least privilege: the objects under the prefix, the one parameter, the one key through SSM. */
  private grantReads(scope: Construct, props: ForwarderFunctionProps, authMode: AuthMode): void {
    const region = Stack.of(scope).region;
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadProducerObjects',
        // GetObjectVersion: the handler reads the exact version the notification names.
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [objectsArn(props)],
      }),
    );
    const bucketKey = props.bucketEncryptionKey ?? props.bucket.encryptionKey;
    if (bucketKey) {
      this.function.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'DecryptProducerObjects',
          actions: ['kms:Decrypt'],
          resources: [bucketKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
        }),
      );
    }
    if (authMode === 'federated') {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'MintEntraAssertion',
          // GetWebIdentityToken has no resource-level permissions; the conditions pin what it mints.
          actions: ['sts:GetWebIdentityToken'],
          resources: ['*'],
          conditions: {
            'ForAllValues:StringEquals': { 'sts:IdentityTokenAudience': ENTRA_TOKEN_EXCHANGE_AUDIENCE },
            NumericLessThanEquals: { 'sts:DurationSeconds': 300 },
          },
        }),
      );
      return;
    }
    const secretArn = parameterArn(scope, this.secretParameterName);
    // The key policy must name the role: it no longer lets IAM policies grant kms:Decrypt.
    this.secretKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ForwarderDecryptsTheSecretThroughSsm',
        principals: [this.role],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: ssmParameterConditions(secretArn, region),
      }),
    );
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadClientSecret',
        actions: ['ssm:GetParameter'],
        resources: [secretArn],
      }),
    );
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'DecryptClientSecret',
        actions: ['kms:Decrypt'],
        resources: [this.secretKey.keyArn],
        conditions: ssmParameterConditions(secretArn, region),
      }),
    );
  }

  /** Each finding these resources accept, scoped to the one resource, with its reason. */
  private acknowledgeNagFindings(scope: Construct, props: ForwarderFunctionProps): void {
    const role = Validations.of(this.role);
    role.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords and (federated mode) sts:GetWebIdentityToken support no resource-level permissions; the STS grant is pinned by audience and duration conditions.',
    });
    role.acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagFindingResource(scope, objectsArn(props))}]`,
      reason:
        'The objects under the producer prefix: the forwarder reads whichever object a notification names.',
    });
    const runtime =
      'The forwarder targets Node.js 22 on purpose: the runtime its bundle is built and tested for.';
    const fn = Validations.of(this.function);
    fn.acknowledge({ id: 'AwsSolutions-L1', reason: runtime });
    fn.acknowledge({ id: 'Serverless-LambdaLatestVersion', reason: runtime });
    fn.acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked by an SQS event source mapping, never asynchronously: failed messages go to the queue redrive DLQ.',
    });
    fn.acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'An SQS event source mapping has no on-failure destination; the queue redrive policy is its DLQ.',
    });
  }
}

/**
 * Every DCR immutable id of `destination`, shard 1 first, after checking `dcrImmutableIds`:
 * distinct non-empty strings starting with `dcrImmutableId`, at most `MAX_SHARDS`. Ids that are
 * unresolved tokens are not compared. Throws naming the producer and the prop.
 */
export function checkDestination(producerName: string, destination: SentinelDestination): readonly string[] {
  const ids = destination.dcrImmutableIds;
  if (ids === undefined) return [destination.dcrImmutableId];
  const where = `S3ToSentinelForwarder "${producerName}": \`destination.dcrImmutableIds\``;
  const comparable = !Array.isArray(ids) || ids.every((id) => !Token.isUnresolved(id));
  const problem = comparable
    ? dcrIdsProblem(ids, Token.isUnresolved(destination.dcrImmutableId) ? ids[0] : destination.dcrImmutableId)
    : undefined;
  if (problem) throw new Error(`${where} ${problem}`);
  if (ids.length > MAX_SHARDS) {
    throw new Error(`${where} lists ${ids.length} DCRs; a producer has at most ${MAX_SHARDS} (\`shards\`)`);
  }
  return ids;
}

/**
 * Checks `destination.outputs` against the format: exactly its outputs for a multi-output format
 * (each with a stream and 1 to `MAX_SHARDS` distinct DCR ids), none for any other. Throws naming
 * the producer, the prop and what to pass.
 */
export function checkOutputs(
  producerName: string,
  format: LogFormat,
  destination: SentinelDestination,
  routes?: readonly FormatRoute[],
): void {
  const where = `S3ToSentinelForwarder "${producerName}": \`destination.outputs\``;
  const wanted =
    format === AUTO_FORMAT ? autoOutputKeyNames(compileRoutes(routes ?? []).routes) : outputNamesOf(format);
  const outputs = destination.outputs;
  if (wanted.length === 0) {
    if (outputs !== undefined) {
      throw new Error(
        `${where} is only for a format writing to several streams; ${format} writes to one: remove it`,
      );
    }
    return;
  }
  const have = Object.keys(outputs ?? {});
  if (outputs === undefined || [...have].sort().join(',') !== [...wanted].sort().join(',')) {
    throw new Error(
      `${where} must name the stream and DCRs of each output of ${format} (${wanted.join(', ')}), not ` +
        `${have.length > 0 ? have.join(', ') : 'none'}: take them from the Azure stack's outputs (\`producers.<name>.outputs\`)`,
    );
  }
  for (const [key, target] of Object.entries(outputs)) {
    const ids = target.dcrImmutableIds;
    const problem =
      !Token.isUnresolved(target.streamName) && target.streamName === ''
        ? 'needs a stream name'
        : ids.some((id) => Token.isUnresolved(id))
          ? undefined
          : (dcrIdsProblem(ids, ids[0]) ??
            (ids.length > MAX_SHARDS ? `lists ${ids.length} DCRs; at most ${MAX_SHARDS}` : undefined));
    if (problem) throw new Error(`${where}.${key} ${problem}`);
  }
}

/**
 * Lambda holds at most 4 KB of environment variables (keys and values). DCR_OUTPUTS grows with a
 * producer's outputs and shards (an `auto` producer: 14 outputs, a DCR id each per shard) and
 * FORMAT_ROUTES with its routes; together they may take what the other variables (about 1 KB) leave.
 */
const LAMBDA_ENVIRONMENT_BYTES = 4096;
const OTHER_VARIABLES_BYTES = 1024;

function checkEnvironmentSize(
  producerName: string,
  props: Pick<ForwarderFunctionProps, 'destination' | 'routes'>,
): void {
  const outputs = props.destination.outputs !== undefined ? JSON.stringify(props.destination.outputs) : '';
  const routes = props.routes !== undefined && props.routes.length > 0 ? JSON.stringify(props.routes) : '';
  if (Token.isUnresolved(outputs) || Token.isUnresolved(routes)) return;
  const bytes =
    (outputs === '' ? 0 : ENV.dcrOutputs.length + Buffer.byteLength(outputs)) +
    (routes === '' ? 0 : ENV.formatRoutes.length + Buffer.byteLength(routes));
  if (bytes > LAMBDA_ENVIRONMENT_BYTES - OTHER_VARIABLES_BYTES) {
    throw new Error(
      `S3ToSentinelForwarder "${producerName}": DCR_OUTPUTS and FORMAT_ROUTES would take ${bytes} bytes of the ` +
        `function's ${LAMBDA_ENVIRONMENT_BYTES}-byte environment (the other variables need about ${OTHER_VARIABLES_BYTES}): ` +
        'lower `shards` (each adds a DCR id per output), shorten `routes`, or split the bucket into producers by prefix',
    );
  }
}

/**
 * Checks `routes` (with `auto` only, each valid) and `formatOptions` (by the format that takes
 * them), throwing one message naming the producer and every problem.
 */
export function checkRoutesAndOptions(props: {
  readonly producerName: string;
  readonly format: LogFormat;
  readonly routes?: readonly FormatRoute[];
  readonly formatOptions?: unknown;
}): void {
  const problems: string[] = [];
  if (props.routes !== undefined) {
    if (props.format !== AUTO_FORMAT) {
      problems.push(`\`routes\` are only for \`format: '${AUTO_FORMAT}'\`; remove them`);
    } else {
      problems.push(...compileRoutes(props.routes, '`routes`').problems);
    }
  }
  if (props.formatOptions !== undefined) {
    problems.push(
      ...checkFormatOptions(props.formatOptions, props.format, '`formatOptions`', `format ${props.format}`)
        .problems,
    );
  }
  if (problems.length > 0) {
    throw new Error(`S3ToSentinelForwarder "${props.producerName}": ${problems.join('; ')}`);
  }
}

/**
 * Key administration actions, which the account keeps through IAM: KMS refuses a key policy that
 * would lock out the account's own administrators (and CloudFormation, which updates the key).
 * CDK's `ADMIN_ACTIONS` less `kms:CreateGrant`, which would let an administrator hand out Decrypt
 * without touching the policy.
 */
const SECRET_KEY_ADMIN_ACTIONS = [
  'kms:CreateAlias',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];

/**
 * The client-secret key's policy: the account administers the key through IAM but cannot use it;
 * the writers encrypt (`put-secret`) and, in secret mode, the forwarder role decrypts (added with
 * the role's grants), each only through SSM and only for the secret's parameter. Changing that
 * takes a `kms:PutKeyPolicy`, which CloudTrail records.
 */
function secretKeyPolicy(
  scope: Construct,
  parameterName: string,
  writers: iam.IPrincipal[] | undefined,
): iam.PolicyDocument {
  if (writers !== undefined && writers.length === 0) {
    throw new Error(
      '`secretWriters` ([]) must name at least one principal; omit it to let IAM policies in the account decide',
    );
  }
  const stack = Stack.of(scope);
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'AccountAdministersTheKeyThroughIam',
        principals: [new iam.AccountRootPrincipal()],
        actions: SECRET_KEY_ADMIN_ACTIONS,
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'WritersEncryptTheSecretThroughSsm',
        principals: writers ?? [new iam.AccountRootPrincipal()],
        // Encrypt for a Standard parameter, GenerateDataKey for an Advanced one.
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: ssmParameterConditions(parameterArn(scope, parameterName), stack.region),
      }),
    ],
  });
}

/** Use of the key only by SSM, and only for the one parameter (SSM's encryption context). */
function ssmParameterConditions(secretArn: string, region: string): Record<string, unknown> {
  return {
    StringEquals: {
      'kms:EncryptionContext:PARAMETER_ARN': secretArn,
      'kms:ViaService': `ssm.${region}.amazonaws.com`,
    },
  };
}

/** The objects the function may read: everything under the prefix. */
function objectsArn(props: ForwarderFunctionProps): string {
  return props.bucket.arnForObjects(`${props.prefix ?? ''}*`);
}

/** The ARN of an SSM parameter given its name (with or without a leading slash). */
export function parameterArn(scope: Construct, parameterName: string): string {
  return Stack.of(scope).formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: parameterName.replace(/^\//, ''),
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/**
 * A resource ARN as cdk-nag writes it into a finding id (its `flattenCfnReference`): `Fn::Join`
 * flattened, `Ref` as `<Id>`, `Fn::GetAtt` as `<Id.Attr>`, e.g. `<Bucket83908E77.Arn>/AWSLogs/*`.
 * cdk-nag 3 matches an acknowledgement by its exact finding id (v2's `appliesTo`, with its regex
 * form, is gone), so the id is built here from the resolved ARN.
 */
function nagFindingResource(scope: Construct, arn: string): string {
  const flatten = (value: unknown): string => {
    if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['Fn::Join'])) {
      const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(separator);
    }
    if (v['Fn::Sub'] !== undefined) return flatten(v['Fn::Sub']);
    if (v.Ref !== undefined) return `<${flatten(v.Ref)}>`;
    if (Array.isArray(v['Fn::GetAtt'])) return `<${(v['Fn::GetAtt'] as unknown[]).map(flatten).join('.')}>`;
    return JSON.stringify(value);
  };
  return flatten(Stack.of(scope).resolve(arn));
}
