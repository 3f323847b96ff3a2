import { fixture, malformedOf, parseAll, rowsOf } from './helpers';

describe('vpcflow format', () => {
  test('maps the default (v2) fields to typed columns', async () => {
    // GIVEN the two-record v2 sample
    const [header, ...records] = fixture('vpcflow/valid_vpc_flow_log_multi.log').toString().split('\n');
    const fields = header.split(' ');
    const first = Object.fromEntries(records[0].split(' ').map((v, i) => [fields[i], v]));
    // WHEN
    const rows = rowsOf(await parseAll('vpcflow', fixture('vpcflow/valid_vpc_flow_log_multi.log')));
    // THEN
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      Version: Number(first.version),
      AccountId: first['account-id'],
      InterfaceId: first['interface-id'],
      SrcAddr: first.srcaddr,
      DstAddr: first.dstaddr,
      SrcPort: Number(first.srcport),
      DstPort: Number(first.dstport),
      Protocol: Number(first.protocol),
      Packets: Number(first.packets),
      Bytes: Number(first.bytes),
      FlowStartTime: new Date(Number(first.start) * 1000).toISOString(),
      FlowEndTime: new Date(Number(first.end) * 1000).toISOString(),
      TimeGenerated: new Date(Number(first.start) * 1000).toISOString(),
      Action: first.action,
      LogStatus: first['log-status'],
    });
    expect(rows[0]).not.toHaveProperty('AdditionalFields');
    expect(rows[1].Action).toBe('REJECT');
  });

  test('omits "-" values (a NODATA record)', async () => {
    const [row] = rowsOf(await parseAll('vpcflow', fixture('vpcflow/valid_vpc_flow_log.log')));
    expect(row.LogStatus).toBe('NODATA');
    for (const column of [
      'SrcAddr',
      'DstAddr',
      'SrcPort',
      'DstPort',
      'Protocol',
      'Packets',
      'Bytes',
      'Action',
    ]) {
      expect(row).not.toHaveProperty(column);
    }
  });

  test('follows a custom header: ECS fields go to AdditionalFields by header name', async () => {
    const text = fixture('vpcflow/valid_vpc_flow_log_ecs.log').toString();
    const [header, record] = text.split('\n');
    const values = record.split(' ');
    const [row] = rowsOf(await parseAll('vpcflow', text));
    const additional = row.AdditionalFields as Record<string, string>;
    const ecsFields = header.split(' ').filter((f) => f.startsWith('ecs-'));
    expect(Object.keys(additional).sort()).toStrictEqual([...ecsFields].sort());
    expect(additional['ecs-cluster-name']).toBe(values[header.split(' ').indexOf('ecs-cluster-name')]);
    expect(row.Version).toBe(5);
  });

  test('reads a Transit Gateway (v6) record: standard fields mapped, tgw-* kept', async () => {
    const [row] = rowsOf(await parseAll('vpcflow', fixture('vpcflow/valid_tgw_flow_log.log')));
    expect(row).toMatchObject({
      Version: 6,
      TrafficType: 'IPv4',
      TcpFlags: 2,
      FlowDirection: 'ingress',
      Region: 'us-east-1',
    });
    expect(row).not.toHaveProperty('Action');
    expect(row.AdditionalFields).toMatchObject({
      'tgw-id': 'tgw-0abc12345def67890',
      'packets-lost-no-route': '1',
    });
  });

  test.each([
    ['vpcflow/vpc_flow_log_too_few_fields.log', '13 fields where the header line has 14'],
    ['vpcflow/vpc_flow_log_too_many_fields.log', '15 fields where the header line has 14'],
  ])('reports a field count that differs from the header (%s)', async (path, reason) => {
    const outcomes = await parseAll('vpcflow', fixture(path));
    expect(outcomes).toStrictEqual([{ kind: 'malformed', lineNumber: 2, index: 0, reason }]);
  });

  test('uses the default field order when the object has no header line', async () => {
    const record = '2 123456789010 eni-1 10.0.0.1 10.0.0.2 443 49152 6 1 40 1418530010 1418530070 ACCEPT OK';
    const rows = rowsOf(await parseAll('vpcflow', `${record}\n${record}\n`));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ SrcPort: 443, Action: 'ACCEPT' });
  });

  test('reports a non-numeric value in a numeric column', async () => {
    const header = 'version srcport start';
    const outcomes = await parseAll('vpcflow', `${header}\n2 http 1418530010\n2 80 1418530010`);
    expect(malformedOf(outcomes)).toStrictEqual([
      { kind: 'malformed', lineNumber: 2, index: 0, reason: 'field 2 (srcport) is not an integer' },
    ]);
    expect(rowsOf(outcomes)).toHaveLength(1);
  });

  test('does not count a repeated header line as a record', async () => {
    const text = fixture('vpcflow/valid_vpc_flow_log_multi.log').toString();
    const rows = rowsOf(await parseAll('vpcflow', `${text}\n${text}`));
    expect(rows).toHaveLength(4);
  });
});
