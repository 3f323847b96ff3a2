import type { FormatDefinition } from './format';

/**
 * VPC (and Transit Gateway) flow logs delivered to S3: space-delimited text whose first line is a
 * header naming the fields, so custom formats parse by header rather than by position.
 */
export const vpcflowFormat: FormatDefinition = {
  name: 'vpcflow',
  description: 'VPC / Transit Gateway flow logs (space-delimited with a header line).',
  columns: [
    { name: 'Version', type: 'int' },
    { name: 'AccountId', type: 'string' },
    { name: 'InterfaceId', type: 'string' },
    { name: 'SrcAddr', type: 'string' },
    { name: 'DstAddr', type: 'string' },
    { name: 'SrcPort', type: 'int' },
    { name: 'DstPort', type: 'int' },
    { name: 'Protocol', type: 'int' },
    { name: 'Packets', type: 'long' },
    { name: 'Bytes', type: 'long' },
    { name: 'FlowStartTime', type: 'datetime' },
    { name: 'FlowEndTime', type: 'datetime' },
    { name: 'Action', type: 'string' },
    { name: 'LogStatus', type: 'string' },
    { name: 'AdditionalFields', type: 'dynamic', description: 'Header fields beyond the v2 default format.' },
  ],
};
