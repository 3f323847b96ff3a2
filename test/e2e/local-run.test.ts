import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildAwsApp } from '../../bin/aws-app';
import { synthAzure } from '../../bin/azure';
import { generatedNdjson, runLocalPipeline, streamDeclarations } from '../../bin/local-run';
import { producers } from '../../bin/producers';
import { CONTEXT } from '../../lib/aws/destination-from-context';
import { AZURE_STACK_NAME, producerStreams } from '../../lib/producer';

const root = join(__dirname, '..', '..');

describe('the local end-to-end run (npm start)', () => {
  // GIVEN both clouds synthesized for the example producers
  const cdkOut = mkdtempSync(join(tmpdir(), 'e2e-cdk-'));
  const cdktfOut = mkdtempSync(join(tmpdir(), 'e2e-cdktf-'));
  const app = new App({ outdir: cdkOut, context: { [CONTEXT.placeholder]: 'true' } });
  buildAwsApp(app, producers);
  app.synth();
  synthAzure({ outdir: cdktfOut, producers });
  const tfJson = join(cdktfOut, 'stacks', AZURE_STACK_NAME, 'cdk.tf.json');
  const run = (azureStackJson: string) =>
    runLocalPipeline({
      producers,
      cdkOut,
      azureStackJson,
      fixtures: join(root, 'test', 'fixtures', 'aws'),
      bundle: join(root, 'dist', 'lambda-bundle', 'forwarder', 'index.js'),
      generatedLines: 20_000,
    });

  test('the synthesized Azure stack declares exactly the streams of the producers: one each, or one per output', () => {
    const streams = streamDeclarations(tfJson);
    expect(Object.keys(streams).sort()).toEqual(
      producers.flatMap((p) => producerStreams(p).map((s) => s.streamName)).sort(),
    );
    // The multi-stream examples: a format with three outputs, and a whole log-archive bucket.
    expect(producerStreams(producers.find((p) => p.format === 'networkfirewall')!)).toHaveLength(3);
    expect(producerStreams(producers.find((p) => p.format === 'auto')!).length).toBeGreaterThan(10);
  });

  test('delivers every record of every producer exactly once through the bundled forwarder', async () => {
    // WHEN
    const reports = await run(tfJson);
    // THEN
    expect(reports.map((r) => r.producer)).toEqual(producers.map((p) => p.name));
    for (const report of reports) {
      expect(report).toMatchObject({ failedMessages: 0, duplicateRecordIds: 0 });
      expect(report.rowsAccepted).toBe(report.rowsExpected);
    }
    const appLogs = reports.find((r) => r.producer === 'app-logs')!;
    // 20,000 generated lines with one malformed per 10,000, plus 2 WAF and 2 firewall records.
    expect(appLogs.rowsAccepted).toBe(20_000 - 2 + 4);
    expect(appLogs.rowsMalformed).toBe(2);
    expect(reports.find((r) => r.producer === 'vpc-flow')).toMatchObject({ rowsMalformed: 2 });
    // Every object of the log-archive bucket reached a table: its format's, or the catch-all.
    const archive = reports.find((r) => r.producer === 'log-archive')!;
    expect(archive.rowsAccepted).toBeGreaterThan(20);
    expect(archive.stream).toMatch(/^\d+ streams$/);
  });

  test('fails if the AWS stack sends to a stream the Azure stack does not declare', async () => {
    const tf = JSON.parse(readFileSync(tfJson, 'utf8'));
    for (const rule of Object.values(tf.resource.azurerm_monitor_data_collection_rule) as {
      stream_declaration: { stream_name: string }[];
    }[]) {
      for (const d of rule.stream_declaration) d.stream_name = `${d.stream_name}Renamed`;
    }
    const tampered = join(cdktfOut, 'tampered.tf.json');
    writeFileSync(tampered, JSON.stringify(tf));
    await expect(run(tampered)).rejects.toThrow(/declares no such stream .*the two clouds disagree/);
  });

  test('the generated file has exactly one malformed line per 10,000', () => {
    const lines = generatedNdjson(20_000).toString('utf8').trim().split('\n');
    expect(lines).toHaveLength(20_000);
    expect(lines.filter((l) => !l.endsWith('}'))).toHaveLength(2);
  });
});
