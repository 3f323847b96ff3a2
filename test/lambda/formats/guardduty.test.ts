// The sample is built from AWS's documented finding format (test/fixtures/aws/README.md, "built").
import { gzipSync } from 'node:zlib';
import { AWS_GUARDDUTY } from '../../../lambda/formats/builtin-tables';
import { ADDITIONAL_FIELDS_COLUMN } from '../../../lambda/formats/additional-fields';
import { GUARDDUTY_FIELD_COLUMNS, guarddutyFormat, severityLevel } from '../../../lambda/formats/guardduty';
import { PROVENANCE_COLUMNS } from '../../../lambda/formats/schema';
import { rowJson } from '../../../lambda/io/batcher';
import { countKinds, fixture, malformedOf, objectRef, parseAll, rowsOf } from './helpers';

const SAMPLE = 'guardduty/guardduty_findings_export.jsonl';

/** The sample's findings as JSON.parse sees them: the oracle for the parse. */
function sampleFindings(): Record<string, unknown>[] {
  return fixture(SAMPLE)
    .toString()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The rows of a JSON Lines object holding `findings`. */
async function rowsFor(...findings: unknown[]): Promise<Record<string, unknown>[]> {
  return rowsOf(await parseAll('guardduty', findings.map((f) => JSON.stringify(f)).join('\n')));
}

async function rowFor(finding: unknown): Promise<Record<string, unknown>> {
  const rows = await rowsFor(finding);
  expect(rows).toHaveLength(1);
  return rows[0];
}

function additionalOf(row: Record<string, unknown>): unknown {
  const text = row[ADDITIONAL_FIELDS_COLUMN];
  return typeof text === 'string' ? JSON.parse(text) : undefined;
}

const PROVENANCE_ONLY = new Set(PROVENANCE_COLUMNS.map((c) => c.name).filter((n) => n !== 'TimeGenerated'));
const TABLE = new Map(AWS_GUARDDUTY.columns.map((c) => [c.name, c]));

/** A finding with every documented top-level field (GuardDuty API `Finding`), and one AWS may add. */
const FULL = {
  schemaVersion: '2.0',
  accountId: '123456789012',
  region: 'eu-west-1',
  partition: 'aws',
  id: 'f0example',
  arn: 'arn:aws:guardduty:eu-west-1:123456789012:detector/d0example/finding/f0example',
  type: 'Recon:EC2/PortProbeUnprotectedPort',
  resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'i-0example' } },
  service: { serviceName: 'guardduty', action: { actionType: 'PORT_PROBE' }, count: 3 },
  severity: 5.3,
  createdAt: '2025-08-20T10:10:11.123Z',
  updatedAt: '2025-08-20T10:40:12.456Z',
  title: 'Unprotected port on EC2 instance i-0example is being probed.',
  description: 'EC2 instance has an unprotected port which is being probed by a known malicious host.',
  confidence: 5,
};

const MAPPINGS: readonly [field: string, column: string, expected: unknown][] = [
  ['schemaVersion', 'SchemaVersion', '2.0'],
  ['accountId', 'AccountId', '123456789012'],
  ['region', 'Region', 'eu-west-1'],
  ['partition', 'Partition', 'aws'],
  ['id', 'Id', 'f0example'],
  ['arn', 'Arn', FULL.arn],
  ['type', 'ActivityType', 'Recon:EC2/PortProbeUnprotectedPort'],
  ['resource', 'ResourceDetails', FULL.resource],
  ['service', 'ServiceDetails', FULL.service],
  ['severity', 'Severity', 5],
  ['createdAt', 'TimeCreated', '2025-08-20T10:10:11.123Z'],
  ['updatedAt', 'TimeGenerated', '2025-08-20T10:40:12.456Z'],
  ['title', 'Title', FULL.title],
  ['description', 'Description', FULL.description],
];

describe('guardduty format', () => {
  describe('columns', () => {
    test('declares AWSGuardDuty columns as vendored, in its order, then AdditionalFields_CF', () => {
      const [additional, ...reversed] = [...guarddutyFormat.columns].reverse();
      const own = reversed.reverse();
      for (const column of own) expect(column).toStrictEqual(TABLE.get(column.name));
      const order = AWS_GUARDDUTY.columns.map((c) => c.name);
      expect(own.map((c) => order.indexOf(c.name))).toStrictEqual(
        own.map((c) => order.indexOf(c.name)).sort((a, b) => a - b),
      );
      expect(additional).toMatchObject({ name: ADDITIONAL_FIELDS_COLUMN, type: 'string' });
      expect(guarddutyFormat.builtinTable).toBe(AWS_GUARDDUTY);
    });

    test('declares every table column but TimeGenerated (a provenance column), and no system column', () => {
      const declared = new Set(guarddutyFormat.columns.map((c) => c.name));
      expect(AWS_GUARDDUTY.columns.map((c) => c.name).filter((n) => !declared.has(n))).toStrictEqual([
        'TimeGenerated',
      ]);
      expect(AWS_GUARDDUTY.systemColumns.filter((c) => declared.has(c.name))).toStrictEqual([]);
    });

    test('maps every documented top-level field of a finding', () => {
      expect([...GUARDDUTY_FIELD_COLUMNS.keys()].sort()).toStrictEqual(
        Object.keys(FULL)
          .filter((k) => k !== 'confidence')
          .sort(),
      );
    });

    test('a finding with every mapped field fills every declared column, and no other', async () => {
      const row = await rowFor(FULL);
      const own = Object.keys(row).filter((name) => !PROVENANCE_ONLY.has(name) && name !== 'TimeGenerated');
      expect(own.sort()).toStrictEqual(guarddutyFormat.columns.map((c) => c.name).sort());
    });
  });

  describe('mapping', () => {
    let row: Record<string, unknown>;
    beforeAll(async () => {
      row = await rowFor(FULL);
    });

    test.each(MAPPINGS)('%s → %s', (_field, column, expected) => {
      expect(row[column]).toStrictEqual(expected);
    });

    test('keeps the unmapped field and the decimal severity as written in AdditionalFields_CF', () => {
      expect(additionalOf(row)).toStrictEqual({ severity: 5.3, confidence: 5 });
    });

    test('sends resource and service as JSON objects, which the rules read member by member', () => {
      const sent = JSON.parse(rowJson(row as never).json) as Record<string, unknown>;
      expect(sent.ResourceDetails).toStrictEqual(FULL.resource);
      expect(sent.ServiceDetails).toStrictEqual(FULL.service);
    });
  });

  describe('severity (an int column; GuardDuty writes decimals)', () => {
    test.each([
      [2, 2],
      [5.3, 5],
      [6.9, 6],
      [7, 7],
      [8.9, 8],
      [10, 10],
      ['8', 8],
      ['4.0', 4],
    ])('%p becomes %p', (value, expected) => {
      expect(severityLevel(value)).toBe(expected);
    });

    test.each([['high'], [''], [true], [Infinity], [1e12], [{ value: 8 }]])('%p has no level', (value) => {
      expect(severityLevel(value)).toBeUndefined();
    });

    test('keeps every finding in its documented band, as the rules bucket it', () => {
      // GIVEN every severity GuardDuty can write, in tenths (its bands: Low 1.0–3.9, Medium
      // 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0)
      const band = (s: number) => (s >= 9 ? 'Critical' : s >= 7 ? 'High' : s >= 4 ? 'Medium' : 'Low');
      // AND the multi-cloud rules' `case(Severity >= 7.0, "High", Severity between (4.0 .. 6.9), "Medium", Severity between (1.0 .. 3.9), "Low", "Unknown")`
      const ruleBand = (s: number) =>
        s >= 7 ? 'High' : s >= 4 && s <= 6.9 ? 'Medium' : s >= 1 && s <= 3.9 ? 'Low' : 'Unknown';
      for (let tenths = 10; tenths <= 100; tenths++) {
        const severity = tenths / 10;
        const level = severityLevel(severity)!;
        // THEN the int is in the same band as the decimal, and the rules bucket both alike
        expect({ severity, band: band(level) }).toStrictEqual({ severity, band: band(severity) });
        expect({ severity, rule: ruleBand(level) }).toStrictEqual({ severity, rule: ruleBand(severity) });
      }
    });

    test('sends a whole-number severity as an int, with nothing else kept', async () => {
      const row = await rowFor({ severity: 8, id: 'a' });
      expect(row.Severity).toBe(8);
      expect(row).not.toHaveProperty(ADDITIONAL_FIELDS_COLUMN);
      expect(rowJson(row as never).json).toContain('"Severity":8');
    });

    test('keeps a severity with no level in AdditionalFields_CF only', async () => {
      const row = await rowFor({ severity: 'HIGH', id: 'a' });
      expect(row).not.toHaveProperty('Severity');
      expect(additionalOf(row)).toStrictEqual({ severity: 'HIGH' });
    });
  });

  describe('value shapes', () => {
    test('keeps values of the wrong type for their column in AdditionalFields_CF', async () => {
      const row = await rowFor({
        id: 'a',
        title: { text: 'x' },
        resource: 'i-0example',
        service: ['x'],
        createdAt: 'yesterday',
      });
      for (const column of ['Title', 'ResourceDetails', 'ServiceDetails', 'TimeCreated'])
        expect(row).not.toHaveProperty(column);
      expect(additionalOf(row)).toStrictEqual({
        title: { text: 'x' },
        resource: 'i-0example',
        service: ['x'],
        createdAt: 'yesterday',
      });
    });

    test('omits nulls and empty strings, and keeps them nowhere', async () => {
      const row = await rowFor({ id: 'a', title: '', description: null, partition: 'aws' });
      expect(row).toMatchObject({ Id: 'a', Partition: 'aws' });
      expect(row).not.toHaveProperty('Title');
      expect(row).not.toHaveProperty('Description');
      expect(row).not.toHaveProperty(ADDITIONAL_FIELDS_COLUMN);
    });

    test('writes a number in a string column as its digits', async () => {
      const row = await rowFor({ accountId: 123456789012, schemaVersion: 2 });
      expect(row).toMatchObject({ AccountId: '123456789012', SchemaVersion: '2' });
    });

    test('gives a finding whose updatedAt is not a time the S3 event time, keeping the value', async () => {
      const rows = rowsOf(
        await parseAll(
          'guardduty',
          JSON.stringify({ id: 'a', updatedAt: '2024-02-30T00:00:00Z' }),
          objectRef({ eventTime: '2026-01-02T03:04:05.678Z' }),
        ),
      );
      expect(rows[0].TimeGenerated).toBe('2026-01-02T03:04:05.678Z');
      expect(additionalOf(rows[0])).toStrictEqual({ updatedAt: '2024-02-30T00:00:00Z' });
    });

    test('keeps a field named __proto__ like any other', async () => {
      const [row] = rowsOf(await parseAll('guardduty', '{"id":"a","__proto__":{"x":1}}'));
      expect(row[ADDITIONAL_FIELDS_COLUMN]).toBe('{"__proto__":{"x":1}}');
    });

    test('sends integers past 2^53 as written, in the dynamic columns and AdditionalFields_CF', async () => {
      // GIVEN a 20-digit integer JSON.parse would round, inside service and in an unmapped field
      const big = '12345678901234567891';
      const line = `{"id":"a","service":{"count": ${big}},"resource":{"x":1},"extra":[${big}]}`;
      // WHEN
      const [row] = rowsOf(await parseAll('guardduty', line));
      // THEN what the batcher sends holds every digit
      const sent = rowJson(row as never).json;
      expect(sent).toContain(`"ServiceDetails":{"count":${big}}`);
      expect(row[ADDITIONAL_FIELDS_COLUMN]).toBe(`{"extra":[${big}]}`);
      expect(row.ResourceDetails).toStrictEqual({ x: 1 });
    });
  });

  describe('the sample', () => {
    test('gives one row per finding, plain and gzipped, with the documented mapping', async () => {
      // GIVEN the sample export, gzipped as GuardDuty writes it, read 100 bytes at a time
      const findings = sampleFindings();
      const object = objectRef({
        key: 'AWSLogs/123456789012/GuardDuty/us-east-1/2025/08/20/a1b2c3d4-example.jsonl.gz',
      });
      const plain = await parseAll('guardduty', fixture(SAMPLE), object);
      const gzipped = await parseAll('guardduty', gzipSync(fixture(SAMPLE)), object, { chunkSize: 100 });
      // THEN exactly 3 rows, the same either way
      expect(countKinds(plain)).toStrictEqual({ row: 3 });
      expect(gzipped).toStrictEqual(plain);
      const rows = rowsOf(plain);
      expect(rows.map((r) => r.Id)).toStrictEqual(findings.map((f) => f.id));
      expect(rows.map((r) => r.ActivityType)).toStrictEqual(findings.map((f) => f.type));
      expect(rows.map((r) => r.TimeGenerated)).toStrictEqual(findings.map((f) => f.updatedAt));
      expect(rows.map((r) => r.TimeCreated)).toStrictEqual(findings.map((f) => f.createdAt));
      expect(rows.map((r) => r.Severity)).toStrictEqual([2, 8, 8]);
      expect(rows.map((r) => r.ResourceDetails)).toStrictEqual(findings.map((f) => f.resource));
      expect(rows.map((r) => r.ServiceDetails)).toStrictEqual(findings.map((f) => f.service));
      // ... and every field has a column: nothing additional
      for (const row of rows) expect(row).not.toHaveProperty(ADDITIONAL_FIELDS_COLUMN);
    });

    test('every column exists in AWSGuardDuty with a value of its type', async () => {
      const rows = rowsOf(await parseAll('guardduty', fixture(SAMPLE)));
      for (const row of rows) {
        for (const [name, value] of Object.entries(row)) {
          if (PROVENANCE_ONLY.has(name)) continue;
          const type = TABLE.get(name)?.type;
          const ok =
            type === 'string'
              ? typeof value === 'string'
              : type === 'int'
                ? Number.isInteger(value)
                : type === 'dynamic'
                  ? typeof value === 'object' && value !== null
                  : type === 'datetime' && typeof value === 'string' && !Number.isNaN(Date.parse(value));
          expect({ name, type, ok }).toStrictEqual({ name, type, ok: true });
        }
      }
    });
  });

  describe('malformed lines and continuations', () => {
    const LINES = ['{"id":"a","severity":2}', '{"id":"b",', '', '["not","an","object"]', '{"id":"c"}'].join(
      '\n',
    );

    test('isolates a bad line, naming its line number, and delivers the others', async () => {
      const outcomes = await parseAll('guardduty', LINES);
      expect(rowsOf(outcomes).map((r) => r.Id)).toStrictEqual(['a', 'c']);
      expect(malformedOf(outcomes)).toStrictEqual([
        { kind: 'malformed', lineNumber: 2, index: 1, reason: expect.stringMatching(/^not valid JSON/) },
        {
          kind: 'malformed',
          lineNumber: 4,
          index: 2,
          reason: 'GuardDuty finding is not a JSON object (found an array)',
        },
      ]);
    });

    test('does not quote the record in a reason', async () => {
      const [malformed] = malformedOf(await parseAll('guardduty', '{"id":"s3cr3t-value"'));
      expect(malformed.reason).not.toContain('s3cr3t');
    });

    test.each([[1], [2], [3], [4]])(
      'a continuation after %p records skips the same records',
      async (skip) => {
        const all = await parseAll('guardduty', LINES);
        const rest = await parseAll('guardduty', LINES, objectRef(), { skipRecords: skip });
        expect(rest).toStrictEqual(all.filter((o) => 'index' in o && o.index >= skip));
      },
    );
  });
});
