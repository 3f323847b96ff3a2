import type { FormatDefinition } from './format';

/**
 * AWS CloudTrail log files: one gzip JSON document `{"Records":[...]}` per object. Column names
 * follow Sentinel's built-in AWSCloudTrail table where one exists, so analysts' KQL carries over.
 */
export const cloudtrailFormat: FormatDefinition = {
  name: 'cloudtrail',
  description: 'AWS CloudTrail log files ({"Records":[...]}); digest files are skipped.',
  columns: [
    { name: 'EventVersion', type: 'string' },
    { name: 'EventTime', type: 'datetime' },
    { name: 'EventSource', type: 'string' },
    { name: 'EventName', type: 'string' },
    { name: 'EventTypeName', type: 'string', description: 'CloudTrail eventType (AwsApiCall, AwsServiceEvent, ...).' },
    { name: 'EventCategory', type: 'string' },
    { name: 'AwsRegion', type: 'string' },
    { name: 'SourceIpAddress', type: 'string' },
    { name: 'UserAgent', type: 'string' },
    { name: 'UserIdentity', type: 'dynamic' },
    { name: 'UserIdentityType', type: 'string' },
    { name: 'UserIdentityArn', type: 'string' },
    { name: 'UserIdentityAccountId', type: 'string' },
    { name: 'ErrorCode', type: 'string' },
    { name: 'ErrorMessage', type: 'string' },
    { name: 'RequestParameters', type: 'dynamic' },
    { name: 'ResponseElements', type: 'dynamic' },
    { name: 'AdditionalEventData', type: 'dynamic' },
    { name: 'Resources', type: 'dynamic' },
    { name: 'AwsRequestId', type: 'string' },
    { name: 'AwsEventId', type: 'string' },
    { name: 'ReadOnly', type: 'boolean' },
    { name: 'ManagementEvent', type: 'boolean' },
    { name: 'RecipientAccountId', type: 'string' },
    { name: 'SharedEventId', type: 'string' },
    { name: 'VpcEndpointId', type: 'string' },
    { name: 'TlsDetails', type: 'dynamic' },
    { name: 'ServiceEventDetails', type: 'dynamic' },
    { name: 'InsightDetails', type: 'dynamic' },
    { name: 'AdditionalFields', type: 'dynamic', description: 'Any top-level field not mapped to a column above.' },
  ],
};
