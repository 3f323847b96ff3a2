/**
 * The first entry of the ALB sample `alb/alb_al_valid_logs.log` (an https request), as the alb
 * format fills AWSALBAccessLogs, TimeGenerated aside: the format's test and the ELB content test
 * both read it.
 */
export const ALB_SAMPLE_HTTPS_COLUMNS: Readonly<Record<string, unknown>> = {
  ALBType: 'https',
  Alb: 'app/my-loadbalancer/50dc6c495c0c9188',
  ClientIp: '192.168.131.39',
  ClientPort: 2817,
  TargetIp: '10.0.0.1',
  TargetPort: 80,
  RequestProcessingTime: '0.086',
  TargetProcessingTime: '0.048',
  ResponseProcessingTime: '0.037',
  ElbStatusCode: 200,
  TargetStatusCode: '200',
  ReceivedBytes: 0,
  SentBytes: 57,
  RequestRaw: 'GET https://www.example.com:443/ HTTP/1.1',
  UserAgent: 'curl/7.46.0',
  SslCipher: 'ECDHE-RSA-AES128-GCM-SHA256',
  SslProtocol: 'TLSv1.2',
  TargetGroupArn:
    'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067',
  TraceId: 'Root=1-58337281-1d84f3d73c47ec4e58577259',
  DomainName: 'www.example.com',
  ChosenCertArn: 'arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012',
  MatchedRulePriority: '1',
  RequestCreationTime: '2018-07-02T22:22:48.364000Z',
  ActionsExecuted: 'authenticate,forward',
  TargetPortList: '10.0.0.1:80',
  TargetStatusCodeList: '200',
  ConnTraceId: 'TID_1234abcd5678ef90',
};
