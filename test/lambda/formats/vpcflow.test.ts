import { ADDITIONAL_FIELDS_COLUMN } from '../../../lambda/formats/additional-fields';
import { AWS_VPC_FLOW } from '../../../lambda/formats/builtin-tables';
import { PROVENANCE_COLUMNS, type ColumnType } from '../../../lambda/formats/schema';
import { VPCFLOW_FIELD_COLUMNS, vpcflowFormat } from '../../../lambda/formats/vpcflow';
import { fixture, malformedOf, objectRef, parseAll, rowsOf } from './helpers';

/** Every field of versions 2 to 8 in AWS's documented order ("Flow log records"), with a value. */
const FIELDS: readonly (readonly [field: string, value: string])[] = [
  ['version', '8'],
  ['account-id', '123456789012'],
  ['interface-id', 'eni-1235b8ca123456789'],
  ['srcaddr', '172.31.16.139'],
  ['dstaddr', '52.94.76.10'],
  ['srcport', '20641'],
  ['dstport', '443'],
  ['protocol', '6'],
  ['packets', '20'],
  ['bytes', '4249'],
  ['start', '1418530010'],
  ['end', '1418530070'],
  ['action', 'ACCEPT'],
  ['log-status', 'OK'],
  // version 3
  ['vpc-id', 'vpc-abcdefab012345678'],
  ['subnet-id', 'subnet-aaaaaaaa012345678'],
  ['instance-id', 'i-0c50d5961bcb2d47b'],
  ['tcp-flags', '19'],
  ['type', 'IPv4'],
  ['pkt-srcaddr', '10.0.1.5'],
  ['pkt-dstaddr', '52.94.76.10'],
  // version 4
  ['region', 'us-east-2'],
  ['az-id', 'use2-az2'],
  ['sublocation-type', 'outpost'],
  ['sublocation-id', 'op-0123456789abcdef0'],
  // version 5
  ['pkt-src-aws-service', 'AMAZON'],
  ['pkt-dst-aws-service', 'S3'],
  ['flow-direction', 'egress'],
  ['traffic-path', '8'],
  // version 7
  ['ecs-cluster-arn', 'arn:aws:ecs:us-east-2:123456789012:cluster/prod'],
  ['ecs-cluster-name', 'prod'],
  ['ecs-container-instance-arn', 'arn:aws:ecs:us-east-2:123456789012:container-instance/prod/1a2b'],
  ['ecs-container-instance-id', '1a2b'],
  ['ecs-container-id', 'c0ffee01'],
  ['ecs-second-container-id', 'c0ffee02'],
  ['ecs-service-name', 'web'],
  ['ecs-task-definition-arn', 'arn:aws:ecs:us-east-2:123456789012:task-definition/web:3'],
  ['ecs-task-arn', 'arn:aws:ecs:us-east-2:123456789012:task/prod/9f8e'],
  ['ecs-task-id', '9f8e'],
  // version 8
  ['reject-reason', 'BPA'],
];

/** The row's record columns for the record above, written out by hand from the mapping table. */
const EXPECTED: Readonly<Record<string, unknown>> = {
  Version: 8,
  AccountId: '123456789012',
  InterfaceId: 'eni-1235b8ca123456789',
  SrcAddr: '172.31.16.139',
  DstAddr: '52.94.76.10',
  SrcPort: 20641,
  DstPort: 443,
  Protocol: 6,
  Packets: 20,
  Bytes: 4249,
  TimeGenerated: '2014-12-14T04:06:50.000Z',
  End: '2014-12-14T04:07:50.000Z',
  Action: 'ACCEPT',
  LogStatus: 'OK',
  VpcId: 'vpc-abcdefab012345678',
  SubnetId: 'subnet-aaaaaaaa012345678',
  InstanceId: 'i-0c50d5961bcb2d47b',
  TcpFlags: 19,
  TrafficType: 'IPv4',
  PktSrcAddr: '10.0.1.5',
  PktDstAddr: '52.94.76.10',
  Region: 'us-east-2',
  AzId: 'use2-az2',
  SublocationType: 'outpost',
  SublocationId: 'op-0123456789abcdef0',
  PktSrcAwsService: 'AMAZON',
  PktDstAwsService: 'S3',
  FlowDirection: 'egress',
  TrafficPath: '8',
  EcsClusterArn: 'arn:aws:ecs:us-east-2:123456789012:cluster/prod',
  EcsClusterName: 'prod',
  EcsContainerInstanceArn: 'arn:aws:ecs:us-east-2:123456789012:container-instance/prod/1a2b',
  EcsContainerInstanceId: '1a2b',
  EcsContainerId: 'c0ffee01',
  EcsSecondContainerId: 'c0ffee02',
  EcsServiceName: 'web',
  EcsTaskDefinitionArn: 'arn:aws:ecs:us-east-2:123456789012:task-definition/web:3',
  EcsTaskArn: 'arn:aws:ecs:us-east-2:123456789012:task/prod/9f8e',
  EcsTaskId: '9f8e',
  [ADDITIONAL_FIELDS_COLUMN]: '{"reject-reason":"BPA"}',
};

/** How many of {@link FIELDS} each version has (version 6 is Transit Gateway, tested on its own). */
const FIELD_COUNT: Readonly<Record<number, number>> = { 2: 14, 3: 21, 4: 25, 5: 29, 7: 39, 8: 40 };

/** The provenance columns other than TimeGenerated, which `start` fills. */
const PROVENANCE = new Set(PROVENANCE_COLUMNS.map((c) => c.name).filter((n) => n !== 'TimeGenerated'));

/** A row's columns without the provenance columns (TimeGenerated kept). */
function recordColumns(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([name]) => !PROVENANCE.has(name)));
}

/** `items` in a fixed pseudo-random order (a small LCG), so each version gets its own order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** An object with a header line for `fields` and one record line per entry of `records`. */
function flowLog(fields: readonly string[], ...records: Record<string, string>[]): string {
  return [fields.join(' '), ...records.map((r) => fields.map((f) => r[f]).join(' '))].join('\n');
}

const VALUES: Readonly<Record<string, string>> = Object.fromEntries(FIELDS);

/** Whether `value` is what Log Analytics stores in a column of `type`, as the forwarder sends it. */
function fitsType(value: unknown, type: ColumnType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31;
    case 'long':
      return Number.isSafeInteger(value);
    case 'datetime':
      return typeof value === 'string' && new Date(value).toISOString() === value;
    default:
      return false;
  }
}

async function rowOf(text: string): Promise<Record<string, unknown>> {
  const outcomes = await parseAll('vpcflow', text);
  expect(malformedOf(outcomes)).toStrictEqual([]);
  const rows = rowsOf(outcomes);
  expect(rows).toHaveLength(1);
  return rows[0];
}

describe('vpcflow format', () => {
  describe('declared columns', () => {
    const table = new Map(AWS_VPC_FLOW.columns.map((c) => [c.name, c]));
    const declared = vpcflowFormat.columns.filter((c) => c.name !== ADDITIONAL_FIELDS_COLUMN);

    test('are AWSVPCFlow columns, with the vendored names, types and descriptions', () => {
      for (const column of declared) expect(column).toStrictEqual(table.get(column.name));
    });

    test('are every AWSVPCFlow column but TimeGenerated, which the provenance columns declare', () => {
      const expected = AWS_VPC_FLOW.columns.map((c) => c.name).filter((n) => n !== 'TimeGenerated');
      expect(declared.map((c) => c.name).sort()).toStrictEqual(expected.sort());
    });

    test('include no system column', () => {
      const system = new Set(AWS_VPC_FLOW.systemColumns.map((c) => c.name));
      expect(vpcflowFormat.columns.filter((c) => system.has(c.name))).toStrictEqual([]);
    });

    test('end with AdditionalFields_CF, a string column Azure accepts on a built-in table', () => {
      expect(ADDITIONAL_FIELDS_COLUMN).toBe('AdditionalFields_CF');
      expect(vpcflowFormat.columns.at(-1)).toMatchObject({ name: 'AdditionalFields_CF', type: 'string' });
      expect(table.has(ADDITIONAL_FIELDS_COLUMN)).toBe(false);
    });

    test('map each field to a column the table has', () => {
      for (const column of VPCFLOW_FIELD_COLUMNS.values()) expect(table.has(column)).toBe(true);
      expect(VPCFLOW_FIELD_COLUMNS.get('start')).toBe('TimeGenerated');
      expect(VPCFLOW_FIELD_COLUMNS.get('end')).toBe('End');
      expect(VPCFLOW_FIELD_COLUMNS.has('reject-reason')).toBe(false);
    });
  });

  describe('a header of each version, in its own order', () => {
    test.each(Object.entries(FIELD_COUNT).map(([v, n]) => [Number(v), n] as const))(
      'version %i (%i fields)',
      async (version, count) => {
        // GIVEN a header of the version's fields in an order of its own
        const fields = shuffled(
          FIELDS.slice(0, count).map(([f]) => f),
          version,
        );
        expect(fields).not.toStrictEqual(FIELDS.slice(0, count).map(([f]) => f));
        // WHEN
        const row = await rowOf(flowLog(fields, { ...VALUES, version: String(version) }));
        // THEN every field is in its column, whatever its position
        const columns = new Set(fields.map((f) => VPCFLOW_FIELD_COLUMNS.get(f) ?? ADDITIONAL_FIELDS_COLUMN));
        const expected = Object.fromEntries(Object.entries(EXPECTED).filter(([c]) => columns.has(c)));
        expect(recordColumns(row)).toStrictEqual({ ...expected, Version: version });
      },
    );

    test('a whole version 8 record fills every column of the format', async () => {
      const row = await rowOf(flowLog(FIELDS.map(([f]) => f).reverse(), VALUES));
      const names = vpcflowFormat.columns.map((c) => c.name);
      expect(Object.keys(recordColumns(row)).sort()).toStrictEqual([...names, 'TimeGenerated'].sort());
    });
  });

  test('every value has its column type, and every column is in AWSVPCFlow with that type', async () => {
    // GIVEN a record of every field
    const row = recordColumns(
      await rowOf(
        flowLog(
          FIELDS.map(([f]) => f),
          VALUES,
        ),
      ),
    );
    const table = new Map(AWS_VPC_FLOW.columns.map((c) => [c.name, c.type]));
    // THEN
    for (const [name, value] of Object.entries(row)) {
      const type = name === ADDITIONAL_FIELDS_COLUMN ? 'string' : table.get(name);
      expect([name, type !== undefined && fitsType(value, type)]).toStrictEqual([name, true]);
    }
    // The types Sentinel's content relies on (ASIM's Protocol lookup is keyed by int).
    expect(row).toMatchObject({
      Protocol: 6,
      Packets: 20,
      TrafficPath: '8',
      End: '2014-12-14T04:07:50.000Z',
    });
  });

  test('maps the default (v2) sample; TimeGenerated is start and End is end', async () => {
    // GIVEN the two-record v2 sample
    const rows = rowsOf(await parseAll('vpcflow', fixture('vpcflow/valid_vpc_flow_log_multi.log')));
    // THEN
    expect(rows.map(recordColumns)).toStrictEqual([
      {
        Version: 2,
        AccountId: '123456789010',
        InterfaceId: 'eni-1235b8ca123456789',
        SrcAddr: '172.31.16.139',
        DstAddr: '172.31.16.21',
        SrcPort: 20641,
        DstPort: 22,
        Protocol: 6,
        Packets: 20,
        Bytes: 4249,
        TimeGenerated: '2014-12-14T04:06:50.000Z',
        End: '2014-12-14T04:07:50.000Z',
        Action: 'ACCEPT',
        LogStatus: 'OK',
      },
      {
        Version: 2,
        AccountId: '123456789010',
        InterfaceId: 'eni-1235b8ca123456789',
        SrcAddr: '172.31.9.69',
        DstAddr: '172.31.9.12',
        SrcPort: 49761,
        DstPort: 3389,
        Protocol: 6,
        Packets: 20,
        Bytes: 4249,
        TimeGenerated: '2014-12-14T04:06:50.000Z',
        End: '2014-12-14T04:07:50.000Z',
        Action: 'REJECT',
        LogStatus: 'OK',
      },
    ]);
  });

  test('every sample row has only AWSVPCFlow columns, AdditionalFields_CF and provenance', async () => {
    const allowed = new Set([
      ...AWS_VPC_FLOW.columns.map((c) => c.name),
      ADDITIONAL_FIELDS_COLUMN,
      ...PROVENANCE,
    ]);
    for (const path of [
      'vpcflow/valid_vpc_flow_log.log',
      'vpcflow/valid_vpc_flow_log_multi.log',
      'vpcflow/valid_vpc_flow_log_ecs.log',
      'vpcflow/valid_tgw_flow_log.log',
    ]) {
      for (const row of rowsOf(await parseAll('vpcflow', fixture(path)))) {
        expect(Object.keys(row).filter((name) => !allowed.has(name))).toStrictEqual([]);
      }
    }
  });

  describe('"-" (no value)', () => {
    test('is omitted, never sent as "-" (a NODATA record)', async () => {
      const [row] = rowsOf(await parseAll('vpcflow', fixture('vpcflow/valid_vpc_flow_log.log')));
      expect(recordColumns(row)).toStrictEqual({
        Version: 2,
        AccountId: '12345678910',
        InterfaceId: 'eni-0eb1e4178af74336c',
        TimeGenerated: '2025-03-21T15:14:49.000Z',
        End: '2025-03-21T15:15:42.000Z',
        LogStatus: 'NODATA',
      });
    });

    test('is omitted in every kind of column, additional fields included', async () => {
      // GIVEN a version 8 record with `-` in string, int, long, datetime and unmapped fields
      const dashes = ['pkt-src-aws-service', 'pkt-dst-aws-service', 'traffic-path', 'srcport', 'bytes'];
      const record: Record<string, string> = { ...VALUES, end: '-', 'reject-reason': '-' };
      for (const field of dashes) record[field] = '-';
      // WHEN
      const row = recordColumns(
        await rowOf(
          flowLog(
            FIELDS.map(([f]) => f),
            record,
          ),
        ),
      );
      // THEN (ASIM reads `PktSrcAwsService != ""` as "an AWS service", so `-` must not arrive)
      for (const column of [
        'PktSrcAwsService',
        'PktDstAwsService',
        'TrafficPath',
        'SrcPort',
        'Bytes',
        'End',
      ]) {
        expect(row).not.toHaveProperty(column);
      }
      expect(row).not.toHaveProperty(ADDITIONAL_FIELDS_COLUMN);
      expect(Object.values(row)).not.toContain('-');
    });

    test('in start leaves TimeGenerated to the S3 event time', async () => {
      const row = await rowOf(
        flowLog(['version', 'start', 'end'], { version: '2', start: '-', end: '1418530070' }),
      );
      expect(row.TimeGenerated).toBe(objectRef().eventTime);
      expect(row.End).toBe('2014-12-14T04:07:50.000Z');
    });
  });

  describe('integers past their column type', () => {
    test.each([
      ['packets', '2147483647', { Packets: 2147483647 }],
      ['packets', '2147483648', { [ADDITIONAL_FIELDS_COLUMN]: '{"packets":"2147483648"}' }],
      [
        'packets',
        '98765432109876543210',
        { [ADDITIONAL_FIELDS_COLUMN]: '{"packets":"98765432109876543210"}' },
      ],
      ['bytes', '5000000000', { Bytes: 5000000000 }],
      ['bytes', '9007199254740991', { Bytes: 9007199254740991 }],
      ['bytes', '9007199254740993', { [ADDITIONAL_FIELDS_COLUMN]: '{"bytes":"9007199254740993"}' }],
    ])(
      '%s %s: the column only when it holds the value exactly, else the text in AdditionalFields_CF',
      async (field, value, expected) => {
        // GIVEN Packets is a 32-bit int in AWSVPCFlow and Bytes a long (exact in JSON up to 2^53 - 1)
        const row = recordColumns(
          await rowOf(
            flowLog(['version', field, 'start'], { version: '2', [field]: value, start: '1418530010' }),
          ),
        );
        // THEN neither clamped nor rounded: in its column, or kept as written
        expect(row).toStrictEqual({ Version: 2, TimeGenerated: '2014-12-14T04:06:50.000Z', ...expected });
      },
    );
  });

  describe('AdditionalFields_CF', () => {
    test('holds version 8 reject-reason as JSON text', async () => {
      const row = await rowOf(
        flowLog(['reject-reason', 'action', 'version'], {
          version: '8',
          action: 'REJECT',
          'reject-reason': 'BPA',
        }),
      );
      expect(recordColumns(row)).toStrictEqual({
        Action: 'REJECT',
        Version: 8,
        // no start: the S3 event time
        TimeGenerated: objectRef().eventTime,
        [ADDITIONAL_FIELDS_COLUMN]: '{"reject-reason":"BPA"}',
      });
    });

    test('holds the Transit Gateway fields of a version 6 record; its standard fields have columns', async () => {
      // GIVEN the TGW sample and its header
      const text = fixture('vpcflow/valid_tgw_flow_log.log').toString();
      const [header, record] = text.split('\n');
      const values = Object.fromEntries(record.split(' ').map((v, i) => [header.split(' ')[i], v]));
      // WHEN
      const [row] = rowsOf(await parseAll('vpcflow', text));
      // THEN
      expect(row).toMatchObject({
        Version: 6,
        AccountId: '123456789012',
        SrcAddr: '10.0.0.1',
        Packets: 10,
        Bytes: 1000,
        TimeGenerated: '2023-11-14T22:13:20.000Z',
        End: '2023-11-14T22:14:20.000Z',
        LogStatus: 'OK',
        TrafficType: 'IPv4',
        TcpFlags: 2,
        FlowDirection: 'ingress',
        Region: 'us-east-1',
      });
      expect(row).not.toHaveProperty('Action');
      const unmapped = header.split(' ').filter((f) => !VPCFLOW_FIELD_COLUMNS.has(f));
      expect(unmapped).toContain('tgw-id');
      expect(unmapped).toContain('packets-lost-no-route');
      expect(JSON.parse(row[ADDITIONAL_FIELDS_COLUMN] as string)).toStrictEqual(
        Object.fromEntries(unmapped.map((f) => [f, values[f]])),
      );
    });

    test('is absent when every field has a column (the ECS sample fills Ecs* columns)', async () => {
      const text = fixture('vpcflow/valid_vpc_flow_log_ecs.log').toString();
      const [row] = rowsOf(await parseAll('vpcflow', text));
      expect(row).not.toHaveProperty(ADDITIONAL_FIELDS_COLUMN);
      expect(row).toMatchObject({
        Version: 5,
        EcsClusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/my-cluster',
        EcsClusterName: 'my-cluster',
        EcsContainerId: 'container-1',
        EcsSecondContainerId: 'container-2',
        EcsServiceName: 'my-service',
        EcsTaskId: 'abcdef1234567890',
      });
    });

    test('keeps unknown fields, whatever their name, as JSON text', async () => {
      const row = await rowOf(
        flowLog(['version', 'future-field', '__proto__', 'constructor'], {
          version: '9',
          'future-field': 'x"y',
          ['__proto__']: 'p',
          constructor: 'c',
        }),
      );
      expect(JSON.parse(row[ADDITIONAL_FIELDS_COLUMN] as string)).toStrictEqual(
        JSON.parse('{"future-field":"x\\"y","__proto__":"p","constructor":"c"}'),
      );
    });
  });

  describe('malformed lines', () => {
    test.each([
      ['vpcflow/vpc_flow_log_too_few_fields.log', '13 fields where the header line has 14'],
      ['vpcflow/vpc_flow_log_too_many_fields.log', '15 fields where the header line has 14'],
    ])('reports a field count that differs from the header (%s)', async (path, reason) => {
      const outcomes = await parseAll('vpcflow', fixture(path));
      expect(outcomes).toStrictEqual([{ kind: 'malformed', lineNumber: 2, index: 0, reason }]);
    });

    test.each([
      ['srcport', 'http', 'field 2 (srcport) is not an integer'],
      ['srcport', '1e3', 'field 2 (srcport) is not an integer'],
      ['bytes', '0x10', 'field 2 (bytes) is not an integer'],
      ['packets', '12.5', 'field 2 (packets) is not an integer'],
      ['start', 'yesterday', 'field 2 (start) is not epoch seconds'],
      ['start', '1418530010.5', 'field 2 (start) is not epoch seconds'],
      // time.ts keeps datetimes within the years 1 to 9999 (Log Analytics' range)
      ['start', '253402300800', 'field 2 (start) is not epoch seconds'],
      ['end', '99999999999999', 'field 2 (end) is not epoch seconds'],
    ])('reports %s %j with a reason that names the field, never its value', async (field, value, reason) => {
      // GIVEN a bad line between two good ones
      const good = { version: '2', [field]: field === 'start' || field === 'end' ? '1418530010' : '80' };
      const outcomes = await parseAll(
        'vpcflow',
        flowLog(['version', field], good, { version: '2', [field]: value }, good),
      );
      // THEN only it is isolated, and its reason quotes nothing of it
      expect(malformedOf(outcomes)).toStrictEqual([{ kind: 'malformed', lineNumber: 3, index: 1, reason }]);
      expect(rowsOf(outcomes)).toHaveLength(2);
      expect(reason).not.toContain(value);
    });

    test('accepts the last second of year 9999 in start', async () => {
      const row = await rowOf(flowLog(['start'], { start: '253402300799' }));
      expect(row.TimeGenerated).toBe('9999-12-31T23:59:59.000Z');
    });
  });

  test('uses the default (v2) field order when the object has no header line', async () => {
    const record = '2 123456789010 eni-1 10.0.0.1 10.0.0.2 443 49152 6 1 40 1418530010 1418530070 ACCEPT OK';
    const rows = rowsOf(await parseAll('vpcflow', `${record}\n${record}\n`));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      SrcPort: 443,
      DstPort: 49152,
      TimeGenerated: '2014-12-14T04:06:50.000Z',
      End: '2014-12-14T04:07:50.000Z',
      Action: 'ACCEPT',
      LogStatus: 'OK',
    });
  });

  test('does not count a repeated header line as a record', async () => {
    const text = fixture('vpcflow/valid_vpc_flow_log_multi.log').toString();
    const rows = rowsOf(await parseAll('vpcflow', `${text}\n${text}`));
    expect(rows).toHaveLength(4);
  });
});
