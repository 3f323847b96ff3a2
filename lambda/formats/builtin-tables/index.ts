// Sentinel's built-in tables that formats can target, as vendored data. Pure: node built-ins only,
// nothing from outside lambda/formats.
//
// Classic Load Balancer access logs have no built-in table. The table reference lists AWSALBAccessLogs,
// AWSNLBAccessLogs and AWSELBFlowLogs for Elastic Load Balancing, and AWSELBFlowLogs is not for them:
// its columns are VPC-flow-log fields (SourceAddress, DestinationPort, Packets, LogStatus, ...), and
// Microsoft's AWS ELB connector writes it from NLB and Gateway Load Balancer flow logs
// (Azure/Azure-Sentinel, Solutions/AWS ELB/Data Connectors/AWSELBConnector_CCF/AWSELBConnector_DCR.json
// at commit 1d31ea54bca9c3d1dc8db6bc24521bfff01d0ac0: streams Microsoft-AWSNLBFlowLogsStream and
// Microsoft-AWSGLBFlowLogsStream; the solution's release note for 3.0.0 says "NLB/GLB flow logs").
import { AWS_ALB_ACCESS_LOGS } from './aws-alb-access-logs';
import { AWS_CLOUDTRAIL } from './aws-cloudtrail';
import { AWS_CLOUDWATCH } from './aws-cloudwatch';
import { AWS_GUARDDUTY } from './aws-guardduty';
import { AWS_NETWORK_FIREWALL_ALERT } from './aws-network-firewall-alert';
import { AWS_NETWORK_FIREWALL_FLOW } from './aws-network-firewall-flow';
import { AWS_NETWORK_FIREWALL_TLS } from './aws-network-firewall-tls';
import { AWS_NLB_ACCESS_LOGS } from './aws-nlb-access-logs';
import { AWS_ROUTE53_RESOLVER } from './aws-route53-resolver';
import { AWS_S3_SERVER_ACCESS } from './aws-s3-server-access';
import { AWS_SECURITY_HUB_FINDINGS } from './aws-securityhub-findings';
import { AWS_VPC_FLOW } from './aws-vpcflow';
import { AWS_WAF } from './aws-waf';
import type { BuiltinTable } from './builtin-table';

export { AWS_ALB_ACCESS_LOGS } from './aws-alb-access-logs';
export { AWS_CLOUDTRAIL } from './aws-cloudtrail';
export { AWS_CLOUDWATCH } from './aws-cloudwatch';
export { AWS_GUARDDUTY } from './aws-guardduty';
export { AWS_NETWORK_FIREWALL_ALERT } from './aws-network-firewall-alert';
export { AWS_NETWORK_FIREWALL_FLOW } from './aws-network-firewall-flow';
export { AWS_NETWORK_FIREWALL_TLS } from './aws-network-firewall-tls';
export { AWS_NLB_ACCESS_LOGS } from './aws-nlb-access-logs';
export { AWS_ROUTE53_RESOLVER } from './aws-route53-resolver';
export { AWS_S3_SERVER_ACCESS } from './aws-s3-server-access';
export { AWS_SECURITY_HUB_FINDINGS } from './aws-securityhub-findings';
export { AWS_REFERENCE_SYSTEM_COLUMNS } from './aws-system-columns';
export { AWS_VPC_FLOW } from './aws-vpcflow';
export { AWS_WAF } from './aws-waf';
export { STANDARD_SYSTEM_COLUMNS, type BuiltinTable } from './builtin-table';

/** Every vendored built-in table, by table name. */
export const BUILTIN_TABLES = {
  AWSALBAccessLogs: AWS_ALB_ACCESS_LOGS,
  AWSCloudTrail: AWS_CLOUDTRAIL,
  AWSCloudWatch: AWS_CLOUDWATCH,
  AWSGuardDuty: AWS_GUARDDUTY,
  AWSNetworkFirewallAlert: AWS_NETWORK_FIREWALL_ALERT,
  AWSNetworkFirewallFlow: AWS_NETWORK_FIREWALL_FLOW,
  AWSNetworkFirewallTls: AWS_NETWORK_FIREWALL_TLS,
  AWSNLBAccessLogs: AWS_NLB_ACCESS_LOGS,
  AWSRoute53Resolver: AWS_ROUTE53_RESOLVER,
  AWSS3ServerAccess: AWS_S3_SERVER_ACCESS,
  AWSSecurityHubFindings: AWS_SECURITY_HUB_FINDINGS,
  AWSVPCFlow: AWS_VPC_FLOW,
  AWSWAF: AWS_WAF,
} as const satisfies Record<string, BuiltinTable>;

export type BuiltinTableName = keyof typeof BUILTIN_TABLES;

/** Whether a name is one of the vendored built-in tables. */
export function isBuiltinTableName(name: string): name is BuiltinTableName {
  return Object.prototype.hasOwnProperty.call(BUILTIN_TABLES, name);
}
