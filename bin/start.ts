/**
 * `npm start`: the product end to end on one machine, offline. Synthesizes every example
 * producer's AWS stack (cdk.out/) and the Azure stack (cdktf.out/), then runs the pipeline
 * locally and prints per producer what arrived. Exits non-zero if any row went missing.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { App } from 'aws-cdk-lib';
import { CONTEXT } from '../lib/aws/destination-from-context';
import { AZURE_STACK_NAME } from '../lib/producer';
import { buildAwsApp } from './aws-app';
import { synthAzure } from './azure';
import { runLocalPipeline, type ProducerReport } from './local-run';
import { producers } from './producers';

const root = findRoot();
const cdkOut = join(root, 'cdk.out');
const cdktfOut = join(root, 'cdktf.out');
const say = (line = '') => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const t0 = Date.now();
  say(`s3-to-sentinel: ${producers.length} producers from bin/producers.ts`);

  // 1. AWS: one stack per producer, cdk-nag enforced; placeholders because no Azure is deployed.
  rmSync(cdkOut, { recursive: true, force: true });
  const app = new App({ outdir: cdkOut, context: { [CONTEXT.placeholder]: 'true' } });
  const stacks = buildAwsApp(app, producers);
  app.synth();
  say('\nAWS (CDK) → cdk.out/  (placeholder Azure coordinates; cdk-nag: 0 unacknowledged findings)');
  for (const stack of stacks) {
    const template = JSON.parse(readFileSync(join(cdkOut, stack.templateFile), 'utf8'));
    say(`  ${stack.stackName.padEnd(32)} ${countByType(template.Resources)}`);
  }

  // 2. Azure: one CDKTF stack with every producer's table and DCR.
  rmSync(cdktfOut, { recursive: true, force: true });
  synthAzure({ outdir: cdktfOut, producers });
  const tfJson = join(cdktfOut, 'stacks', AZURE_STACK_NAME, 'cdk.tf.json');
  const tf = JSON.parse(readFileSync(tfJson, 'utf8'));
  say(`\nAzure (CDKTF) → ${relative(root, tfJson)}`);
  say(`  ${AZURE_STACK_NAME.padEnd(32)} ${countTerraform(tf.resource ?? {})}`);

  // 3. The pipeline, locally.
  say('\nLocal run: s3rver + Logs Ingestion emulator (streams from the Azure stack) + the bundled forwarder');
  const reports = await runLocalPipeline({
    producers,
    cdkOut,
    azureStackJson: tfJson,
    fixtures: join(root, 'test', 'fixtures', 'aws'),
    bundle: join(root, 'dist', 'lambda-bundle', 'forwarder', 'index.js'),
    generatedLines: Number(process.env.S2S_DEMO_LINES ?? 50_000),
    log: (line) => say(`  ${line}`),
  });
  say();
  printTable(reports);
  const problems = reports.flatMap(check);
  say(`\nfinished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (problems.length > 0) {
    say(`\nFAILED:\n  - ${problems.join('\n  - ')}`);
    return 1;
  }
  say('every record arrived exactly once; malformed lines were isolated and reported.');
  say('Next: deploy for real — see "Deploy" in README.md (cdktf deploy → cdk deploy → put-secret).');
  return 0;
}

function check(r: ProducerReport): string[] {
  const problems: string[] = [];
  if (r.rowsAccepted !== r.rowsExpected) {
    problems.push(`${r.producer}: ${r.rowsExpected} rows expected, ${r.rowsAccepted} accepted`);
  }
  if (r.duplicateRecordIds > 0) problems.push(`${r.producer}: ${r.duplicateRecordIds} duplicate RecordIds`);
  if (r.failedMessages > 0) problems.push(`${r.producer}: ${r.failedMessages} messages failed`);
  return problems;
}

function printTable(reports: readonly ProducerReport[]): void {
  const header = [
    'producer',
    'stream',
    'table',
    'objects',
    'rows accepted',
    'expected',
    'malformed',
    'MB',
    'lag p50/max',
  ];
  const rows = reports.map((r) => [
    r.producer,
    r.stream,
    r.table,
    String(r.objects),
    String(r.rowsAccepted),
    String(r.rowsExpected),
    String(r.rowsMalformed),
    (r.bytes / 1e6).toFixed(2),
    `${(r.lagMsP50 / 1000).toFixed(2)}/${(r.lagMsMax / 1000).toFixed(2)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  for (const row of [header, ...rows]) say(`  ${row.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`);
}

function countByType(resources: Record<string, { Type: string }>): string {
  const counts = new Map<string, number>();
  for (const r of Object.values(resources)) {
    const short = r.Type.replace(/^AWS::/, '').replace(/^Custom::/, 'Custom::');
    counts.set(short, (counts.get(short) ?? 0) + 1);
  }
  return `${Object.keys(resources).length} resources (${[...counts].map(([t, n]) => `${n} ${t}`).join(', ')})`;
}

function countTerraform(resources: Record<string, Record<string, unknown>>): string {
  const parts = Object.entries(resources).map(
    ([type, byId]) => `${Object.keys(byId).length} ${type.replace(/^azurerm_/, '')}`,
  );
  const total = Object.values(resources).reduce((n, byId) => n + Object.keys(byId).length, 0);
  return `${total} resources (${parts.join(', ')})`;
}

function findRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) || !readdirSync(dir).includes('bin')) dir = join(dir, '..');
  return dir;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`npm start failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
