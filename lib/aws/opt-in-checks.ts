import type { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, rules, type NagPackProps } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag rules that no prebuilt pack includes but this product depends on: the queue's
 * visibility timeout must span six function timeouts, or throttled retries duplicate deliveries.
 */
export class OptInChecks extends NagPack {
  public readonly name = 'S3ToSentinelOptIn';

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'S3ToSentinelOptIn';
  }

  protected checkResource(node: CfnResource): void {
    this.applyRule({
      info: 'The SQS queue visibility timeout of a Lambda event source mapping is less than 6 times the function timeout.',
      explanation:
        'A visibility timeout of at least six function timeouts keeps a message invisible while retries of a throttled invocation are pending, so it is not processed twice.',
      level: NagMessageLevel.ERROR,
      rule: rules.lambda.LambdaEventSourceSQSVisibilityTimeout,
      node,
    });
  }
}
