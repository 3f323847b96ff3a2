import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import * as formats from '../../lambda/formats';
import type { Column } from '../../lambda/formats';
import {
  AzureConfigError,
  AzureProviders,
  SentinelIngestion,
  type SentinelIngestionProps,
} from '../../lib/azure';
import type { ProducerDefinition } from '../../lib/producer';
import { FIXTURE_PRODUCERS, synthIngestion, warningsOf } from './azure-test-helpers';

const ISSUER = 'https://0a1b2c3d.tokens.sts.global.api.aws';
const ARN = 'arn:aws:iam::123456789012:role/forwarder';

function build(props: Partial<SentinelIngestionProps>): () => void {
  return () => synthIngestion(props);
}

/** Makes every format's schema end with `extra`, as a format module under edit might. */
function withFormatColumns(...extra: Column[]): void {
  const real = formats.columnsOf;
  jest.spyOn(formats, 'columnsOf').mockImplementation((format) => [...real(format), ...extra]);
}

afterEach(() => jest.restoreAllMocks());

describe('columns', () => {
  test.each(['TenantId', 'Type', '_ResourceId', 'tenantid'])(
    'fails if a format declares the reserved column %s',
    (name) => {
      // GIVEN
      withFormatColumns({ name, type: 'string' });
      // THEN
      expect(build({})).toThrow(AzureConfigError);
      expect(build({})).toThrow(
        new RegExp(
          `producer "trail" \\(table Trail_CL, format cloudtrail\\): column \`${name}\` is reserved by Azure`,
        ),
      );
    },
  );

  test('fails if a column name is longer than 45 characters', () => {
    // GIVEN
    const name = `A${'b'.repeat(45)}`;
    withFormatColumns({ name, type: 'string' });
    // THEN
    expect(build({})).toThrow(`column \`${name}\` is 46 characters; Azure allows at most 45`);
  });

  test('fails if a column name has characters Azure does not allow', () => {
    // GIVEN
    withFormatColumns({ name: 'src.addr', type: 'string' });
    // THEN
    expect(build({})).toThrow(
      'column `src.addr` must be letters, digits or underscores starting with a letter',
    );
  });

  test('fails if a column is declared twice, in any case', () => {
    // GIVEN
    withFormatColumns({ name: 'S3KEY', type: 'string' });
    // THEN
    expect(build({})).toThrow('column `S3KEY` is declared twice (column names are case-insensitive)');
  });

  test('fails if a format drops TimeGenerated', () => {
    // GIVEN
    const real = formats.columnsOf;
    jest
      .spyOn(formats, 'columnsOf')
      .mockImplementation((f) => real(f).filter((c) => c.name !== 'TimeGenerated'));
    // THEN
    expect(build({})).toThrow('every table needs a `TimeGenerated` column of type datetime');
  });
});

describe('tables', () => {
  test('fails if two producers would share a table (names are case-insensitive)', () => {
    // GIVEN
    const producers: ProducerDefinition[] = [
      { name: 'one', bucket: { kind: 'new' }, format: 'text', table: { name: 'Shared' } },
      { name: 'two', bucket: { kind: 'new' }, format: 'json', table: { name: 'SHARED' } },
    ];
    // THEN
    expect(build({ producers })).toThrow('producer "two": table SHARED_CL collides with producer "one"');
  });

  test('fails if an Auxiliary producer’s format has a dynamic column, naming producer, column and fix', () => {
    // GIVEN
    const producers: ProducerDefinition[] = [
      {
        name: 'aux-json',
        bucket: { kind: 'new' },
        format: 'ndjson',
        table: { plan: 'Auxiliary', totalRetentionInDays: 365 },
      },
    ];
    // THEN
    expect(build({ producers })).toThrow(
      'producer "aux-json" (table AuxJson_CL, format ndjson): column `Record` has type dynamic, which a table on the ' +
        "Auxiliary plan cannot hold; set `table.plan` to 'Basic' (or 'Analytics') for this producer, or use a format " +
        'without dynamic columns (text)',
    );
  });

  test('lists every dynamic column of an Auxiliary producer', () => {
    // GIVEN
    const producers: ProducerDefinition[] = [
      {
        name: 'aux-apps',
        bucket: { kind: 'new' },
        format: 'ndjson',
        table: { plan: 'Auxiliary', totalRetentionInDays: 365 },
      },
    ];
    const dynamic = formats.columnsOf('ndjson').filter((c) => c.type === 'dynamic');
    // THEN
    let message = '';
    try {
      build({ producers })();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(dynamic.length).toBeGreaterThan(0);
    for (const column of dynamic) {
      expect(message).toContain(`column \`${column.name}\` has type dynamic`);
    }
  });

  test('fails if an Auxiliary producer leaves out the total retention', () => {
    // GIVEN
    const producers: ProducerDefinition[] = [
      { name: 'aux', bucket: { kind: 'new' }, format: 'text', table: { plan: 'Auxiliary' } },
    ];
    // THEN
    expect(build({ producers })).toThrow(
      'producer "aux": `table.totalRetentionInDays` is required on the Auxiliary plan (4–4383 days, e.g. 365)',
    );
  });

  test('accepts an Auxiliary producer whose format has no dynamic column', () => {
    // GIVEN
    const producers: ProducerDefinition[] = [
      {
        name: 'aux',
        bucket: { kind: 'new' },
        format: 'text',
        table: { plan: 'Auxiliary', totalRetentionInDays: 365 },
      },
    ];
    // THEN
    expect(build({ producers })).not.toThrow();
  });

  test('fails if total retention beyond two years is not whole years', () => {
    // GIVEN
    const producers: ProducerDefinition[] = [
      { name: 'long', bucket: { kind: 'new' }, format: 'text', table: { totalRetentionInDays: 1000 } },
    ];
    // THEN
    expect(build({ producers })).toThrow(
      'producer "long": `table.totalRetentionInDays` (1000) above 730 must be a whole number of years: 1095, 1460',
    );
  });
});

describe('placement', () => {
  test('fails if namePrefix is not a short lower-case name', () => {
    expect(build({ namePrefix: 'S3_To_Sentinel' })).toThrow(
      '`namePrefix` ("S3_To_Sentinel") must be 3–24 lower-case letters, digits or hyphens, starting with a letter',
    );
  });

  test('fails if location is empty', () => {
    expect(build({ location: ' ' })).toThrow('`location` is empty');
  });

  test('fails if an existing workspace is not given by resource id', () => {
    expect(build({ workspace: { kind: 'existing', resourceId: 'sentinel-law' } })).toThrow(
      '`workspace.resourceId` ("sentinel-law") must be a workspace resource id',
    );
  });

  test('fails if a new workspace’s retention is out of range', () => {
    expect(build({ workspace: { kind: 'new', retentionInDays: 7 } })).toThrow(
      '`workspace.retentionInDays` (7) must be a whole number from 30 to 730',
    );
  });

  test('skips checks on values only known at apply time', () => {
    // GIVEN
    const stack = new TerraformStack(Testing.app(), 'tokens');
    new AzureProviders(stack, 'Providers');
    const workspaceId = new TerraformVariable(stack, 'workspace_id', { type: 'string' });
    // WHEN
    new SentinelIngestion(stack, 'Sentinel', {
      location: 'westeurope',
      producers: FIXTURE_PRODUCERS,
      workspace: { kind: 'existing', resourceId: workspaceId.stringValue },
    });
    // THEN
    expect(Testing.synth(stack)).toContain('${var.workspace_id}');
  });
});

describe('identity', () => {
  test('fails if an existing principal’s ids are not GUIDs', () => {
    expect(build({ identity: { mode: 'existing', objectId: 'forwarder', clientId: '' } })).toThrow(
      /`identity.objectId` \("forwarder"\) must be a GUID[\s\S]*`identity.clientId` is required in identity mode 'existing'/,
    );
  });

  test('fails if the federation issuer is not https', () => {
    const lambdaRoleArns = Object.fromEntries(FIXTURE_PRODUCERS.map((p) => [p.name, ARN]));
    expect(
      build({ identity: { mode: 'federated', issuer: 'http://issuer.example', lambdaRoleArns } }),
    ).toThrow('`identity.issuer` ("http://issuer.example") must be the https:// issuer URL');
  });

  test('fails if a producer has no Lambda role ARN, or a malformed one, or an ARN names no producer', () => {
    // GIVEN
    const lambdaRoleArns = { trail: ARN, 'app-logs': 'arn:aws:iam::123456789012:user/alice', ghost: ARN };
    // THEN
    const attempt = build({ identity: { mode: 'federated', issuer: ISSUER, lambdaRoleArns } });
    expect(attempt).toThrow('`identity.lambdaRoleArns` has no entry for producer "lines"');
    expect(attempt).toThrow(
      '`identity.lambdaRoleArns.app-logs` ("arn:aws:iam::123456789012:user/alice") must be an IAM role ARN',
    );
    expect(attempt).toThrow('`identity.lambdaRoleArns.ghost` names no configured producer');
  });

  test('fails if federation would need more credentials than a managed identity holds', () => {
    // GIVEN
    const producers: ProducerDefinition[] = Array.from({ length: 21 }, (_, i) => ({
      name: `p${i}`,
      bucket: { kind: 'new' },
      format: 'text',
    }));
    const lambdaRoleArns = Object.fromEntries(producers.map((p) => [p.name, ARN]));
    // THEN
    expect(build({ producers, identity: { mode: 'federated', issuer: ISSUER, lambdaRoleArns } })).toThrow(
      'needs one federated credential per producer (21); a managed identity holds at most 20. Turn on per-producer ' +
        'identities (`identity.perProducer: true`, S2S_AZURE_IDENTITY_PER_PRODUCER=true)',
    );
  });

  test('fails if per-producer identities are asked of an existing principal', () => {
    // GIVEN a configuration the types refuse, as plain JavaScript could give it
    const identity = {
      mode: 'existing',
      objectId: '11111111-2222-3333-4444-555555555555',
      clientId: '66666666-7777-8888-9999-000000000000',
      perProducer: true,
    } as unknown as SentinelIngestionProps['identity'];
    // THEN
    expect(build({ identity })).toThrow("`identity.perProducer` does not apply in identity mode 'existing'");
  });
});

describe('client secret', () => {
  test.each([0, -1, 1.5])('fails if the generation is %p', (secretGeneration) => {
    expect(build({ identity: { mode: 'application', secretGeneration } })).toThrow(
      `\`identity.secretGeneration\` (${secretGeneration}) must be a whole number, at least 1; raise it by one to rotate`,
    );
  });

  test.each([0, 30.5])('fails if the lifetime is %p days', (secretLifetimeDays) => {
    expect(build({ identity: { mode: 'application', secretLifetimeDays } })).toThrow(
      `\`identity.secretLifetimeDays\` (${secretLifetimeDays}) must be a whole number of days, at least 1`,
    );
  });

  test('fails if both a lifetime and an end date are given', () => {
    expect(
      build({
        identity: { mode: 'application', secretLifetimeDays: 180, secretEndDate: '2027-01-31T00:00:00Z' },
      }),
    ).toThrow('`identity.secretLifetimeDays` and `identity.secretEndDate` both bound the secret’s life');
  });

  test('fails if the expiry alert would fire as soon as a secret is created', () => {
    expect(build({ identity: { mode: 'application', secretLifetimeDays: 30 } })).toThrow(
      "`alerting.secretExpiryWarningDays` (30) must be less than the secret's lifetime (30 days), or the expiry " +
        'alert fires as soon as a secret is created',
    );
    expect(build({ alerting: { secretExpiryWarningDays: 730 } })).toThrow(
      "must be less than the secret's lifetime (730 days, Entra's default)",
    );
    // With the alerts off, nothing fires too early.
    expect(
      build({ identity: { mode: 'application', secretLifetimeDays: 30 }, alerting: { enabled: false } }),
    ).not.toThrow();
  });

  test('fails if the warning is not a whole number of days', () => {
    expect(build({ alerting: { secretExpiryWarningDays: 0 } })).toThrow(
      '`alerting.secretExpiryWarningDays` (0) must be a whole number of days, at least 1',
    );
  });
});

describe('alerting', () => {
  test('fails if the no-data period is not one Azure offers', () => {
    expect(build({ alerting: { noDataMinutes: 90 } })).toThrow(
      '`alerting.noDataMinutes` (90) must be one of 5, 10, 15',
    );
  });

  test('fails if the rule would run less often than its period', () => {
    expect(build({ alerting: { noDataMinutes: 30, evaluationFrequencyMinutes: 60 } })).toThrow(
      '`alerting.evaluationFrequencyMinutes` (60) must not exceed `alerting.noDataMinutes` (30)',
    );
  });

  test('fails if severity or email are invalid', () => {
    const attempt = build({ alerting: { severity: 5, email: 'soc' } });
    expect(attempt).toThrow(
      '`alerting.severity` (5) must be a whole number from 0 (critical) to 4 (verbose)',
    );
    expect(attempt).toThrow('`alerting.email` ("soc") is not an email address');
  });
});

test('reports every problem at once', () => {
  // WHEN
  let message = '';
  try {
    synthIngestion({
      namePrefix: 'X',
      alerting: { severity: 9 },
      workspace: { kind: 'new', retentionInDays: 1 },
    });
  } catch (error) {
    message = (error as Error).message;
  }
  // THEN
  expect(message.split('\n  - ')).toHaveLength(4);
});

describe('warnings', () => {
  test('warns when a transform creates a column the table lacks, naming it', () => {
    // GIVEN
    const producers: ProducerDefinition[] = [
      {
        name: 'app',
        bucket: { kind: 'new' },
        format: 'ndjson',
        table: { transformKql: 'source | extend Level = tostring(Record.level), Record = todynamic(Record)' },
      },
    ];
    // WHEN
    const { stack } = synthIngestion({ producers });
    // THEN
    const transform = warningsOf(stack).filter((w) => w.includes('transformKql'));
    expect(transform).toEqual([
      expect.stringContaining('creates column `Level`, which App_CL does not have'),
    ]);
  });

  test('does not warn for transforms that only filter or rewrite existing columns', () => {
    // GIVEN
    const producers: ProducerDefinition[] = [
      {
        name: 'app',
        bucket: { kind: 'new' },
        format: 'ndjson',
        table: { transformKql: 'source | where RecordIndex == 0' },
      },
    ];
    // WHEN
    const { stack } = synthIngestion({ producers });
    // THEN
    expect(warningsOf(stack).filter((w) => w.includes('transformKql'))).toEqual([]);
  });

  test('warns that an Auxiliary table gets no no-data alert and about the 30-minute upload span', () => {
    // GIVEN
    const producers: ProducerDefinition[] = [
      {
        name: 'aux',
        bucket: { kind: 'new' },
        format: 'text',
        table: { plan: 'Auxiliary', totalRetentionInDays: 365 },
      },
    ];
    // WHEN
    const { stack } = synthIngestion({ producers });
    // THEN
    const auxiliary = warningsOf(stack).filter((w) => w.includes('Auxiliary plan'));
    expect(auxiliary).toEqual([
      expect.stringContaining(
        'producer "aux": Aux_CL uses the Auxiliary plan, which log search alerts cannot query, so it gets no no-data alert',
      ),
      expect.stringContaining('RecordsTimeRangeIsMoreThan30Minutes'),
    ]);
  });

  test('warns that the no-data alert on a Basic table is billed per query', () => {
    // WHEN
    const { stack } = synthIngestion();
    // THEN
    const basic = warningsOf(stack).filter((w) => w.includes('Basic plan'));
    expect(basic).toEqual([expect.stringContaining('producer "app-logs": Apps_CL uses the Basic plan')]);
  });
});
