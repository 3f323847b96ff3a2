// The AWSVPCFlow table's columns, vendored from Azure Monitor's table reference:
//   MicrosoftDocs/azure-reference-other, azure-monitor-ref/tables/includes/awsvpcflow-include.md
//   at commit 0fc1b86163e680bf3568339465ab77232dabf640 (ms.date 07/30/2024; the same table as the
//   02/18/2024 version at 04e8b5c978e7aa75c2917ee23ef053b529f95374).
// Names, types and descriptions are the include's, in its order (descriptions verbatim). Types are
// mapped to the shared vocabulary (`../schema`): string → string, datetime → datetime,
// bool → boolean, int → int, long → long, real → real, dynamic → dynamic, guid → string. This include
// uses only string, datetime, int, long and real. Note the reference's own choices: Packets is int
// (32-bit) while Bytes is long, TrafficPath is string although flow logs write a number, and there is
// no column for `start`: TimeGenerated holds it.
//
// The ten Ecs* columns (flow log version 7 fields) come after the reference's: Microsoft's own DCR
// for its VPC flow connector writes them to Microsoft-AWSVPCFlow, so the table has them although the
// include does not list them:
//   Azure/Azure-Sentinel, Solutions/AWS VPC Flow Logs/Data Connectors/AWSVPCFlowLogs_CCP/
//   AWSVPCFlowLogs_DCR.json at commit b18825409e5810e3c85e16a01e23849ae1c98da9
//   (`EcsClusterArn = iff(isnotempty(tostring(ecs_cluster_arn)), ...)`, all tostring()).
// Version 8's `reject-reason` and the Transit Gateway (v6) fields have no column.
import type { Column } from '../schema';
import type { BuiltinTable } from './builtin-table';
import { AWS_REFERENCE_SYSTEM_COLUMNS } from './aws-system-columns';

const REFERENCE_COLUMNS: readonly Column[] = [
  {
    name: 'AccountId',
    type: 'string',
    description:
      'The AWS account ID of the owner of the source network interface for which traffic is recorded. If the network interface is created by an AWS service, for example when creating a VPC endpoint or Network Load Balancer, the record may display unknown for this field.',
  },
  { name: 'Action', type: 'string', description: 'The action that is associated with the traffic.' },
  { name: 'AzId', type: 'string', description: 'The ID of the Availability Zone.' },
  { name: 'Bytes', type: 'long', description: 'The number of bytes transferred during the flow.' },
  { name: 'DstAddr', type: 'string', description: 'The destination address for outgoing traffic.' },
  { name: 'DstPort', type: 'int', description: 'The destination port of the traffic.' },
  {
    name: 'End',
    type: 'datetime',
    description: 'The time when the last packet of the flow was received within the aggregation interval.',
  },
  {
    name: 'FlowDirection',
    type: 'string',
    description: 'The direction of the flow with respect to the interface where traffic is captured.',
  },
  {
    name: 'InstanceId',
    type: 'string',
    description:
      "The ID of the instance that's associated with network interface for which the traffic is recorded.",
  },
  {
    name: 'InterfaceId',
    type: 'string',
    description: 'The ID of the network interface for which the traffic is recorded.',
  },
  { name: 'LogStatus', type: 'string', description: 'The logging status of the flow log.' },
  { name: 'Packets', type: 'int', description: 'The number of packets transferred during the flow.' },
  {
    name: 'PktDstAddr',
    type: 'string',
    description: 'The packet-level (original) destination IP address for the traffic.',
  },
  {
    name: 'PktDstAwsService',
    type: 'string',
    description:
      'The name of the subset of IP address ranges for the PktDstAddr field, if the destination IP address is for an AWS service.',
  },
  {
    name: 'PktSrcAddr',
    type: 'string',
    description: 'The packet-level (original) source IP address of the traffic.',
  },
  {
    name: 'PktSrcAwsService',
    type: 'string',
    description:
      'The name of the subset of IP address ranges for the PktSrcAddr field, if the source IP address is for an AWS service.',
  },
  { name: 'Protocol', type: 'int', description: 'The IANA protocol number of the traffic.' },
  {
    name: 'Region',
    type: 'string',
    description: 'The Region that contains the network interface for which traffic is recorded.',
  },
  { name: 'SrcAddr', type: 'string', description: 'The source address for incoming traffic.' },
  { name: 'SrcPort', type: 'int', description: 'The source port of the traffic.' },
  {
    name: 'SublocationId',
    type: 'string',
    description:
      'The ID of the sublocation that contains the network interface for which traffic is recorded.',
  },
  {
    name: 'SublocationType',
    type: 'string',
    description: 'The type of sublocation that is returned in the sublocationId field.',
  },
  { name: 'SubnetId', type: 'string', description: 'The ID of the subnet.' },
  { name: 'TcpFlags', type: 'int', description: 'The bitmask value for the following TCP flags.' },
  {
    name: 'TimeGenerated',
    type: 'datetime',
    description:
      "The timestamp (UTC) of when the event was generated. This value will be the same as 'start' input field or the data arrival time to Azure Monitor in case the 'start' input field is empty or missing.",
  },
  {
    name: 'TrafficPath',
    type: 'string',
    description: 'The path that egress traffic takes to the destination.',
  },
  {
    name: 'TrafficType',
    type: 'string',
    description:
      "The type of traffic. The possible values are: IPv4, IPv6, and EFA. For more information search for 'Elastic Fabric Adapter (EFA)'.",
  },
  { name: 'Version', type: 'int', description: 'The VPC Flow Logs version.' },
  { name: 'VpcId', type: 'string', description: 'The ID of the VPC.' },
];

/** The version 7 (ECS) fields, which Microsoft's own DCR writes to this table (see the header). */
const ECS_FIELDS: readonly (readonly [column: string, field: string])[] = [
  ['EcsClusterArn', 'ecs-cluster-arn'],
  ['EcsClusterName', 'ecs-cluster-name'],
  ['EcsContainerInstanceArn', 'ecs-container-instance-arn'],
  ['EcsContainerInstanceId', 'ecs-container-instance-id'],
  ['EcsContainerId', 'ecs-container-id'],
  ['EcsSecondContainerId', 'ecs-second-container-id'],
  ['EcsServiceName', 'ecs-service-name'],
  ['EcsTaskDefinitionArn', 'ecs-task-definition-arn'],
  ['EcsTaskArn', 'ecs-task-arn'],
  ['EcsTaskId', 'ecs-task-id'],
];

const COLUMNS_BEYOND_REFERENCE: readonly Column[] = ECS_FIELDS.map(([name, field]) => ({
  name,
  type: 'string',
  description: `Not in the table reference. Flow log field ${field} (version 7), as Microsoft's AWSVPCFlowLogs_DCR writes it.`,
}));

/** Sentinel's built-in table for Amazon VPC flow logs. */
export const AWS_VPC_FLOW: BuiltinTable = {
  name: 'AWSVPCFlow',
  stream: 'Microsoft-AWSVPCFlow',
  columns: [...REFERENCE_COLUMNS, ...COLUMNS_BEYOND_REFERENCE],
  systemColumns: AWS_REFERENCE_SYSTEM_COLUMNS,
};
