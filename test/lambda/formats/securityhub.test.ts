// The samples are Microsoft's own Security Hub findings, one of them wrapped in EventBridge events built
// for this project (test/fixtures/aws/README.md, "Added for issue 13").
import { gzipSync } from 'node:zlib';
import { ADDITIONAL_FIELDS_COLUMN } from '../../../lambda/formats/additional-fields';
import { AWS_SECURITY_HUB_FINDINGS } from '../../../lambda/formats/builtin-tables';
import { PROVENANCE_COLUMNS } from '../../../lambda/formats/schema';
import { SECURITYHUB_FIELD_COLUMNS, securityhubFormat } from '../../../lambda/formats/securityhub';
import { rowJson } from '../../../lambda/io/batcher';
import { countKinds, fixture, malformedOf, objectRef, parseAll, rowsOf } from './helpers';

const FIREHOSE = 'securityhub/securityhub_eventbridge_firehose.json';
const BARE = [
  'securityhub/IAM_root_user_access_key_should_not_exist.json',
  'securityhub/Security_groups_should_not_allow_unrestricted_access_to_ports_with_high_risk.json',
  'securityhub/SQS_queues_should_be_encrypted_at_rest.json',
];

type Json = Record<string, unknown>;

/** The EventBridge events of the Firehose sample, as JSON.parse reads them one by one: the oracle. */
function sampleEvents(): Json[] {
  const text = fixture(FIREHOSE).toString();
  return text
    .replace(/}\s*{"version"/g, '}\n{"version"')
    .split('\n')
    .map((event) => JSON.parse(event) as Json);
}

function findingsOf(event: Json): Json[] {
  return (event.detail as { findings: Json[] }).findings;
}

/** A minimal event holding `findings`. */
function event(findings: unknown[], extra: Json = {}): Json {
  return {
    version: '0',
    id: 'e-1',
    'detail-type': 'Security Hub Findings - Imported',
    source: 'aws.securityhub',
    account: '123456789012',
    time: '2025-08-20T08:42:07Z',
    region: 'us-east-1',
    resources: ['arn:aws:securityhub:example'],
    detail: { findings },
    ...extra,
  };
}

async function rowsFor(text: string): Promise<Json[]> {
  return rowsOf(await parseAll('securityhub', text));
}

function additionalOf(row: Json): unknown {
  const text = row[ADDITIONAL_FIELDS_COLUMN];
  return typeof text === 'string' ? JSON.parse(text) : undefined;
}

const PROVENANCE_ONLY = new Set(PROVENANCE_COLUMNS.map((c) => c.name).filter((n) => n !== 'TimeGenerated'));
const TABLE = new Map(AWS_SECURITY_HUB_FINDINGS.columns.map((c) => [c.name, c]));

/**
 * Microsoft's DCR transform (AWSSecurityHubFindings_DCR.json, vendored table's comment), one line per
 * column: `Column = tostring|todynamic|todatetime(_findings.<path>)`. The test reads the paths from
 * here and checks the format's own table against them.
 */
const DCR_PROJECTION = `
  AwsRegion = tostring(_findings.Region),
  AwsAccountId = tostring(_findings.AwsAccountId),
  ComplianceStatus = tostring(_findings.Compliance.Status),
  ComplianceStatusReasons = todynamic(_findings.Compliance.StatusReasons),
  ComplianceSecurityControlId = tostring(_findings.Compliance.SecurityControlId),
  ComplianceSecurityControlParameters = todynamic(_findings.Compliance.SecurityControlParameters),
  ComplianceRelatedRequirements = todynamic(_findings.Compliance.RelatedRequirements),
  ComplianceAssociatedStandards = todynamic(_findings.Compliance.AssociatedStandards),
  AwsSecurityFindingTitle = tostring(_findings.Title),
  AwsSecurityFindingId = tostring(_findings.Id),
  AwsSecurityFindingDescription = tostring(_findings.Description),
  AwsSecurityFindingTypes = todynamic(_findings.Types),
  AwsSecurityFindingCreatedAt = todatetime(_findings.CreatedAt),
  AwsSecurityFindingFirstObservedAt = todatetime(_findings.FirstObservedAt),
  AwsSecurityFindingUpdatedAt = todatetime(_findings.UpdatedAt),
  AwsSecurityFindingLastObservedAt = todatetime(_findings.LastObservedAt),
  AwsSecurityFindingProcessedAt = todatetime(_findings.ProcessedAt),
  AwsSecurityFindingGeneratorId = tostring(_findings.GeneratorId),
  AwsSecurityFindingProductArn = tostring(_findings.ProductArn),
  AwsSecurityFindingProductName = tostring(_findings.ProductName),
  AwsSecurityFindingProductFields = todynamic(_findings.ProductFields),
  AwsSecurityFindingSeverity = todynamic(_findings.FindingProviderFields.Severity),
  Remediation = todynamic(_findings.Remediation),
  SchemaVersion = tostring(_findings.SchemaVersion),
  Resources = todynamic(_findings.Resources),
  RecordState = tostring(_findings.RecordState),
  WorkflowState = tostring(_findings.WorkflowState),`;

const DCR_PATHS: readonly [column: string, path: string[]][] = [
  ...DCR_PROJECTION.matchAll(/(\w+) = to\w+\(_findings\.([\w.]+)\)/g),
].map((m) => [m[1], m[2].split('.')]);

function valueAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (v, k) => (v !== null && typeof v === 'object' ? (v as Json)[k] : undefined),
    value,
  );
}

describe('securityhub format', () => {
  describe('columns', () => {
    test('declares AWSSecurityHubFindings columns as vendored, in its order, then AdditionalFields_CF', () => {
      const [additional, ...reversed] = [...securityhubFormat.columns].reverse();
      const own = reversed.reverse();
      for (const column of own) expect(column).toStrictEqual(TABLE.get(column.name));
      const order = AWS_SECURITY_HUB_FINDINGS.columns.map((c) => c.name);
      expect(own.map((c) => order.indexOf(c.name))).toStrictEqual(
        own.map((c) => order.indexOf(c.name)).sort((a, b) => a - b),
      );
      expect(additional).toMatchObject({ name: ADDITIONAL_FIELDS_COLUMN, type: 'string' });
      expect(securityhubFormat.builtinTable).toBe(AWS_SECURITY_HUB_FINDINGS);
    });

    test('declares every table column but TimeGenerated (a provenance column), and no system column', () => {
      const declared = new Set(securityhubFormat.columns.map((c) => c.name));
      expect(
        AWS_SECURITY_HUB_FINDINGS.columns.map((c) => c.name).filter((n) => !declared.has(n)),
      ).toStrictEqual(['TimeGenerated']);
      expect(AWS_SECURITY_HUB_FINDINGS.systemColumns.filter((c) => declared.has(c.name))).toStrictEqual([]);
    });

    test("maps each column from the path Microsoft's DCR reads, first", () => {
      expect(DCR_PATHS).toHaveLength(27);
      expect(
        [...SECURITYHUB_FIELD_COLUMNS].map(([column, paths]) => [column, [...paths[0]]]).sort(),
      ).toStrictEqual([...DCR_PATHS].sort());
    });
  });

  test.each([[FIREHOSE, { row: 3 }], ...BARE.map((path): [string, { row: number }] => [path, { row: 1 }])])(
    '%s gives exactly %j, plain and gzipped',
    async (path, expected) => {
      const object = objectRef({ key: `AWSLogs/123456789012/${path}.gz` });
      const plain = await parseAll('securityhub', fixture(path), object);
      const gzipped = await parseAll('securityhub', gzipSync(fixture(path)), object);
      expect(countKinds(plain)).toStrictEqual(expected);
      expect(gzipped).toStrictEqual(plain);
    },
  );

  describe('the Firehose sample: concatenated EventBridge events', () => {
    let rows: Json[];
    let findings: { event: Json; finding: Json }[];
    beforeAll(async () => {
      rows = rowsOf(await parseAll('securityhub', fixture(FIREHOSE)));
      findings = sampleEvents().flatMap((e) => findingsOf(e).map((finding) => ({ event: e, finding })));
    });

    test('gives one row per finding of detail.findings, in order (3, where the DCR gives 2)', () => {
      expect(findings).toHaveLength(3);
      expect(rows.map((r) => r.AwsSecurityFindingId)).toStrictEqual(findings.map((f) => f.finding.Id));
      expect(rows.map((r) => r.RecordIndex)).toStrictEqual([0, 1, 2]);
    });

    test.each(DCR_PATHS)('%s is the finding’s %j, as the DCR maps it', (column, path) => {
      for (const [i, { finding }] of findings.entries()) {
        const value = valueAt(finding, path);
        const expected = TABLE.get(column)?.type === 'datetime' ? value : value === '' ? undefined : value;
        expect({ i, value: rows[i][column] }).toStrictEqual({ i, value: expected });
      }
    });

    test('TimeGenerated is the event’s time', () => {
      expect(rows.map((r) => r.TimeGenerated)).toStrictEqual(findings.map((f) => f.event.time));
    });

    test('RawData is the event’s detail holding only the row’s finding, sent as written', () => {
      for (const [i, { finding }] of findings.entries()) {
        expect(rows[i].RawData).toStrictEqual({ findings: [finding] });
        expect(rowJson(rows[i] as never).json).toContain(
          `"RawData":{"findings":[${JSON.stringify(finding)}]}`,
        );
      }
    });

    test('AdditionalFields_CF is the event around the findings, without its time', () => {
      for (const [i, { event: e }] of findings.entries()) {
        const { detail: _detail, time: _time, ...envelope } = e;
        expect(additionalOf(rows[i])).toStrictEqual(envelope);
      }
    });

    test('every column is one of the table, with a value of its type', () => {
      for (const row of rows) {
        for (const [name, value] of Object.entries(row)) {
          if (PROVENANCE_ONLY.has(name) || name === ADDITIONAL_FIELDS_COLUMN) continue;
          const type = TABLE.get(name)?.type;
          const ok =
            type === 'string'
              ? typeof value === 'string' && value !== ''
              : type === 'dynamic'
                ? value !== null && typeof value === 'object'
                : type === 'datetime' && typeof value === 'string' && !Number.isNaN(Date.parse(value));
          expect({ name, type, ok }).toStrictEqual({ name, type, ok: true });
        }
      }
    });

    test('reads the same rows gzipped, one character at a time', async () => {
      const plain = await parseAll('securityhub', fixture(FIREHOSE));
      const gzipped = await parseAll('securityhub', gzipSync(fixture(FIREHOSE)), objectRef(), {
        chunkSize: 1,
      });
      expect(gzipped).toStrictEqual(plain);
    });
  });

  describe('other shapes', () => {
    test.each(BARE)(
      'reads a bare ASFF finding (%s) as one row, TimeGenerated its UpdatedAt',
      async (path) => {
        const finding = JSON.parse(fixture(path).toString()) as Json;
        const outcomes = await parseAll('securityhub', fixture(path));
        expect(countKinds(outcomes)).toStrictEqual({ row: 1 });
        const [row] = rowsOf(outcomes);
        expect(row).toMatchObject({
          TimeGenerated: finding.UpdatedAt,
          AwsSecurityFindingId: finding.Id,
          Resources: finding.Resources,
          RawData: { findings: [finding] },
        });
        expect(row).not.toHaveProperty(ADDITIONAL_FIELDS_COLUMN);
        // The pretty-printed source reaches RawData compacted.
        expect(rowJson(row as never).json).toContain(`"RawData":{"findings":[${JSON.stringify(finding)}]}`);
      },
    );

    test('reads {"findings":[...]} (a detail) and {"Findings":[...]} (GetFindings), keeping the other members', async () => {
      const f = (id: string) => ({ Id: id, ProductArn: 'p', UpdatedAt: '2025-01-01T00:00:00Z' });
      const rows = await rowsFor(
        `${JSON.stringify({ findings: [f('a'), f('b')] })}\n${JSON.stringify({ Findings: [f('c')], NextToken: 't' })}`,
      );
      expect(rows.map((r) => r.AwsSecurityFindingId)).toStrictEqual(['a', 'b', 'c']);
      expect(rows.map((r) => r.TimeGenerated)).toStrictEqual(Array(3).fill('2025-01-01T00:00:00Z'));
      expect(rows.map(additionalOf)).toStrictEqual([undefined, undefined, { NextToken: 't' }]);
    });

    test('reads a JSON array of events, and events one per line', async () => {
      const e1 = event([{ Id: 'a' }]);
      const e2 = event([{ Id: 'b' }, { Id: 'c' }]);
      const asArray = await rowsFor(JSON.stringify([e1, e2], null, 2));
      const perLine = await rowsFor(`${JSON.stringify(e1)}\n${JSON.stringify(e2)}\n`);
      expect(asArray.map((r) => r.AwsSecurityFindingId)).toStrictEqual(['a', 'b', 'c']);
      expect(perLine).toStrictEqual(asArray.map((r) => ({ ...r })));
    });

    test('reads an event with no findings as no row and no error', async () => {
      expect(await parseAll('securityhub', JSON.stringify(event([])))).toStrictEqual([]);
    });

    test('keeps detail members other than findings in AdditionalFields_CF', async () => {
      const [row] = await rowsFor(
        JSON.stringify(event([{ Id: 'a' }], { detail: { findings: [{ Id: 'a' }], x: 1 } })),
      );
      expect(additionalOf(row)).toMatchObject({ detail: { x: 1 } });
      expect(row.RawData).toStrictEqual({ findings: [{ Id: 'a' }] });
    });
  });

  describe('value shapes', () => {
    test('takes AwsSecurityFindingSeverity from FindingProviderFields, else from Severity', async () => {
      const rows = await rowsFor(
        JSON.stringify(
          event([
            { Id: 'a', Severity: { Label: 'LOW' }, FindingProviderFields: { Severity: { Label: 'HIGH' } } },
            { Id: 'b', Severity: { Label: 'LOW', Normalized: 1 } },
          ]),
        ),
      );
      expect(rows.map((r) => r.AwsSecurityFindingSeverity)).toStrictEqual([
        { Label: 'HIGH' },
        { Label: 'LOW', Normalized: 1 },
      ]);
    });

    test('omits what the finding leaves out, empty or null, and keeps all of it in RawData', async () => {
      const finding = { Id: 'a', Title: '', Description: null, CreatedAt: 'yesterday', Types: null };
      const [row] = await rowsFor(JSON.stringify(event([finding])));
      for (const column of [
        'AwsSecurityFindingTitle',
        'AwsSecurityFindingDescription',
        'AwsSecurityFindingCreatedAt',
        'AwsSecurityFindingTypes',
      ])
        expect(row).not.toHaveProperty(column);
      expect(row.RawData).toStrictEqual({ findings: [finding] });
    });

    test('gives an event whose time is not a time the finding’s UpdatedAt, keeping the time', async () => {
      const [row] = await rowsFor(
        JSON.stringify(event([{ Id: 'a', UpdatedAt: '2025-01-01T00:00:00Z' }], { time: 'soon' })),
      );
      expect(row.TimeGenerated).toBe('2025-01-01T00:00:00Z');
      expect(additionalOf(row)).toMatchObject({ time: 'soon' });
    });

    test('sends integers past 2^53 as written, in the dynamic columns and RawData', async () => {
      const big = '12345678901234567891';
      const text = `{"time":"2025-01-01T00:00:00Z","detail":{"findings":[{"Id":"a"},{"Id":"b","Resources":[{"Details":{"Size": ${big}}}]}]}}`;
      const rows = await rowsFor(text);
      expect(rows.map((r) => r.AwsSecurityFindingId)).toStrictEqual(['a', 'b']);
      const sent = rowJson(rows[1] as never).json;
      expect(sent).toContain(`"Resources":[{"Details":{"Size":${big}}}]`);
      expect(sent).toContain(`"RawData":{"findings":[{"Id":"b","Resources":[{"Details":{"Size":${big}}}]}]}`);
    });
  });

  describe('malformed values and continuations', () => {
    // Line 1: an event of 2 findings; line 2: not JSON (balanced: a value cut short swallows the
    // values after it, as it would in any JSON splitter); line 3: an object that holds no findings;
    // line 4: an event whose second finding is not an object; line 5: a bare finding.
    const TEXT = [
      JSON.stringify(event([{ Id: 'a' }, { Id: 'b' }])),
      '{"version":"0","detail":{"findings":[{"Id":x}]}}',
      JSON.stringify({ 'detail-type': 'Security Hub Insight Results', detail: { insightResults: [] } }),
      JSON.stringify(event([{ Id: 'c' }, 's3cr3t', { Id: 'd' }])),
      JSON.stringify({ Id: 'e', ProductArn: 'p' }),
    ].join('\n');

    test('isolates each bad value or finding, naming the line it starts on, and delivers the others', async () => {
      const outcomes = await parseAll('securityhub', TEXT);
      expect(rowsOf(outcomes).map((r) => r.AwsSecurityFindingId)).toStrictEqual(['a', 'b', 'c', 'd', 'e']);
      expect(malformedOf(outcomes)).toStrictEqual([
        { kind: 'malformed', lineNumber: 2, index: 2, reason: expect.stringMatching(/^not valid JSON/) },
        {
          kind: 'malformed',
          lineNumber: 3,
          index: 3,
          reason:
            'not a Security Hub event or finding: expected an EventBridge event with detail.findings, an object with a "findings" array, or an ASFF finding (Id and ProductArn)',
        },
        {
          kind: 'malformed',
          lineNumber: 4,
          index: 5,
          reason: 'Security Hub finding is not a JSON object (found a string)',
        },
      ]);
    });

    test('counts every finding and every bad value as one record: indexes cover 0..n-1', async () => {
      const outcomes = await parseAll('securityhub', TEXT);
      expect(outcomes.map((o) => ('index' in o ? o.index : -1))).toStrictEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });

    test.each([[1], [2], [3], [5], [7], [8]])(
      'a continuation after %p records skips the same findings on every read',
      async (skip) => {
        const all = await parseAll('securityhub', TEXT);
        const rest = await parseAll('securityhub', TEXT, objectRef(), { skipRecords: skip });
        expect(rest).toStrictEqual(all.filter((o) => 'index' in o && o.index >= skip));
      },
    );

    test('a continuation into the Firehose sample resumes at the same finding', async () => {
      const all = rowsOf(await parseAll('securityhub', fixture(FIREHOSE)));
      const rest = rowsOf(await parseAll('securityhub', fixture(FIREHOSE), objectRef(), { skipRecords: 2 }));
      expect(rest).toStrictEqual(all.slice(2));
      expect(rest.map((r) => r.ComplianceSecurityControlId)).toStrictEqual(['IAM.4']);
    });

    test('reports an object cut off inside an event after delivering the complete ones', async () => {
      const text = `${JSON.stringify(event([{ Id: 'a' }]))}\n{"detail":{"findings":[{"Id":"b"}`;
      const outcomes = await parseAll('securityhub', text);
      expect(rowsOf(outcomes).map((r) => r.AwsSecurityFindingId)).toStrictEqual(['a']);
      expect(malformedOf(outcomes)).toStrictEqual([
        {
          kind: 'malformed',
          lineNumber: 2,
          index: 1,
          reason: 'the object ends inside the record starting on this line (truncated JSON?)',
        },
      ]);
    });
  });
});
