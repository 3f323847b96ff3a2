import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { builtinColumns, columnKinds } from './builtin-columns';
import { AWS_SECURITY_HUB_FINDINGS } from './builtin-tables';
import { compactJson } from './compact-json';
import { holdsInexactNumber, sourceAt } from './exact-json';
import type { FormatDefinition, ParsedRecord, RecordError, SourceItem } from './format';
import { JsonRecordSplitter, jsonSources } from './json-splitter';
import { emptyObject, isObject, scalarText, valueAt } from './json-values';
import { describeJson, jsonErrorReason } from './parse-helpers';
import { RawJson } from './raw-json';
import type { Column } from './schema';
import { normalizeTime } from './time';

/**
 * Where each ASFF field of a finding goes in Sentinel's AWSSecurityHubFindings table: the mapping of
 * Microsoft's own DCR for the table (Azure/Azure-Sentinel, `Solutions/AWS Security Hub/Data
 * Connectors/AWSSecurityHubFindings_CCP/AWSSecurityHubFindings_DCR.json` at commit
 * 2e4cf34a69f995a88068e0d4d22ac87967be97a7), path by path, applied to every finding of an event where
 * that DCR reads only `detail.findings[0]`. Two additions: AwsSecurityFindingSeverity falls back to
 * the top-level `Severity` when the finding has no `FindingProviderFields.Severity` (the DCR leaves
 * it empty), and TimeGenerated, the EventBridge event's `time` in the DCR, is the finding's
 * `UpdatedAt` for a finding read without an event. Types are the vendored table's
 * (`builtin-tables/aws-securityhub-findings.ts`), looked up by name.
 */
export const SECURITYHUB_FIELD_COLUMNS: ReadonlyMap<string, readonly (readonly string[])[]> = new Map([
  ['AwsRegion', [['Region']]],
  ['AwsAccountId', [['AwsAccountId']]],
  ['ComplianceStatus', [['Compliance', 'Status']]],
  ['ComplianceStatusReasons', [['Compliance', 'StatusReasons']]],
  ['ComplianceSecurityControlId', [['Compliance', 'SecurityControlId']]],
  ['ComplianceSecurityControlParameters', [['Compliance', 'SecurityControlParameters']]],
  ['ComplianceRelatedRequirements', [['Compliance', 'RelatedRequirements']]],
  ['ComplianceAssociatedStandards', [['Compliance', 'AssociatedStandards']]],
  ['AwsSecurityFindingTitle', [['Title']]],
  ['AwsSecurityFindingId', [['Id']]],
  ['AwsSecurityFindingDescription', [['Description']]],
  ['AwsSecurityFindingTypes', [['Types']]],
  ['AwsSecurityFindingCreatedAt', [['CreatedAt']]],
  ['AwsSecurityFindingFirstObservedAt', [['FirstObservedAt']]],
  ['AwsSecurityFindingUpdatedAt', [['UpdatedAt']]],
  ['AwsSecurityFindingLastObservedAt', [['LastObservedAt']]],
  ['AwsSecurityFindingProcessedAt', [['ProcessedAt']]],
  ['AwsSecurityFindingGeneratorId', [['GeneratorId']]],
  ['AwsSecurityFindingProductArn', [['ProductArn']]],
  ['AwsSecurityFindingProductName', [['ProductName']]],
  ['AwsSecurityFindingProductFields', [['ProductFields']]],
  ['AwsSecurityFindingSeverity', [['FindingProviderFields', 'Severity'], ['Severity']]],
  ['Remediation', [['Remediation']]],
  ['SchemaVersion', [['SchemaVersion']]],
  ['Resources', [['Resources']]],
  ['RecordState', [['RecordState']]],
  // The deprecated field, as the DCR reads it; `Workflow.Status` is in RawData.
  ['WorkflowState', [['WorkflowState']]],
]);

/** The column that holds the finding whole, in the shape of the event's `detail` (see {@link parseFinding}). */
const RAW_DATA = 'RawData';

const kindOf = columnKinds(AWS_SECURITY_HUB_FINDINGS, ['string', 'datetime', 'dynamic'], 'ASFF');

const PLAN = [...SECURITYHUB_FIELD_COLUMNS].map(([column, paths]) => ({
  column,
  paths,
  kind: kindOf(column),
}));

/**
 * The format's columns: the vendored table's own, in its order, for every column filled (all but
 * TimeGenerated, a provenance column), then the one `_CF` column.
 */
const COLUMNS: readonly Column[] = builtinColumns(
  AWS_SECURITY_HUB_FINDINGS,
  [...SECURITYHUB_FIELD_COLUMNS.keys(), RAW_DATA],
  'Compact JSON object of what the finding came wrapped in: the EventBridge event without detail.findings (version, id, detail-type, source, account, region, resources, and time when it is not a time), or the other members of a {"findings":[...]} object.',
);

/** `object` without its member `key`, or `undefined` when nothing else is left. */
function without(object: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  let rest: Record<string, unknown> | undefined;
  for (const k in object) if (k !== key && object[k] !== null) (rest ??= emptyObject())[k] = object[k];
  return rest;
}

// --- Split: one record per finding ------------------------------------------------------------------

/**
 * The text of one finding's record: what the finding came wrapped in (`around`, JSON, or `null`),
 * a newline, then the finding as compact JSON. Stringified JSON has no raw newline, so the first one
 * ends `around`; the finding's own text is kept, so RawData can carry it without serializing it again.
 */
function recordText(around: string, finding: string): string {
  return `${around}\n${finding}`;
}

/** Where the findings of a top-level JSON value are, and what is around them. */
type Container =
  | {
      readonly kind: 'findings';
      readonly findings: unknown[];
      readonly path: readonly string[];
      readonly around?: Record<string, unknown>;
    }
  | { readonly kind: 'finding' }
  | { readonly kind: 'error'; readonly reason: string };

/**
 * What a top-level value holds. Accepted, in this order:
 * - an EventBridge event with `detail.findings` ("Security Hub Findings - Imported", as Firehose
 *   delivers it): one finding per element;
 * - an object with a `findings` array (an event's `detail` alone) or a `Findings` array (the shape
 *   of the GetFindings response and the BatchImportFindings request): one finding per element;
 * - one ASFF finding (an object with a string `Id` and a `ProductArn` or `SchemaVersion`).
 * A top-level JSON array contributes each of its elements as a value (the JSON splitter's way).
 */
function containerOf(value: unknown): Container {
  if (!isObject(value)) {
    return {
      kind: 'error',
      reason: `not a Security Hub event or finding: found ${describeJson(value)}, not a JSON object`,
    };
  }
  const detail = value.detail;
  if (isObject(detail) && Array.isArray(detail.findings)) {
    const around = without(value, 'detail') ?? emptyObject();
    const restOfDetail = without(detail, 'findings');
    if (restOfDetail !== undefined) around.detail = restOfDetail;
    return { kind: 'findings', findings: detail.findings, path: ['detail', 'findings'], around };
  }
  for (const key of ['findings', 'Findings']) {
    const findings = value[key];
    if (Array.isArray(findings))
      return { kind: 'findings', findings, path: [key], around: without(value, key) };
  }
  if (
    typeof value.Id === 'string' &&
    (typeof value.ProductArn === 'string' || typeof value.SchemaVersion === 'string')
  ) {
    return { kind: 'finding' };
  }
  return {
    kind: 'error',
    reason:
      'not a Security Hub event or finding: expected an EventBridge event with detail.findings, an object with a "findings" array, or an ASFF finding (Id and ProductArn)',
  };
}

/**
 * The compact JSON text of each element of the array at `path` in `text`, from the source text: for
 * an event holding a number JSON.parse rounds, so every digit reaches Azure.
 */
function elementTexts(text: string, path: readonly string[]): (string | undefined)[] {
  const array = sourceAt(text, path);
  if (array === undefined) return [];
  const items: SourceItem[] = [];
  const splitter = new JsonRecordSplitter('documents', Number.MAX_SAFE_INTEGER);
  splitter.push(array, items);
  splitter.end(items);
  return items.map((item) => (item.kind === 'record' ? compactJson(item.text) : undefined));
}

/** Appends the record slots of one top-level JSON value (`text`, starting on `lineNumber`) to `out`. */
function pushFindings(text: string, lineNumber: number, out: SourceItem[]): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    out.push({ kind: 'malformed', lineNumber, reason: jsonErrorReason(error) });
    return;
  }
  const container = containerOf(value);
  switch (container.kind) {
    case 'error':
      out.push({ kind: 'malformed', lineNumber, reason: container.reason });
      return;
    case 'finding':
      out.push({ kind: 'record', text: recordText('null', compactJson(text)), lineNumber });
      return;
    case 'findings': {
      const around = container.around === undefined ? 'null' : JSON.stringify(container.around);
      const exact = holdsInexactNumber(text, container.findings) ? elementTexts(text, container.path) : [];
      container.findings.forEach((finding, i) => {
        const findingText = exact[i] ?? JSON.stringify(finding) ?? 'null';
        // Every finding of a value starts on the value's line: the event's, for the operator to find.
        out.push({ kind: 'record', text: recordText(around, findingText), lineNumber });
      });
    }
  }
}

// --- Parse: one row per finding ---------------------------------------------------------------------

/**
 * Parses one finding's record ({@link recordText}) into AWSSecurityHubFindings columns. RawData is
 * `{"findings":[<the finding>]}`: the event's `detail` as Microsoft's DCR stores it, holding this
 * row's finding only, so a query written against Microsoft's rows (`RawData.findings[0].Workflow`)
 * reads the same. Every ASFF field is there, so only what the finding came wrapped in goes to the
 * additional fields.
 */
function parseFinding(text: string): ParsedRecord | RecordError {
  const newline = text.indexOf('\n');
  const findingText = text.slice(newline + 1);
  let around: unknown;
  let finding: unknown;
  try {
    around = JSON.parse(text.slice(0, newline));
    finding = JSON.parse(findingText);
  } catch (error) {
    return { error: jsonErrorReason(error) };
  }
  if (!isObject(finding)) {
    return { error: `Security Hub finding is not a JSON object (found ${describeJson(finding)})` };
  }
  const exact = holdsInexactNumber(findingText, finding);
  const fields: Record<string, unknown> = {};
  for (const { column, paths, kind } of PLAN) {
    for (const path of paths) {
      const raw = valueAt(finding, path);
      if (raw === undefined || raw === null) continue;
      // `tostring`, but "" reads as absent (`isempty`): not sent.
      if (kind === 'string') fields[column] = raw === '' ? undefined : scalarText(raw);
      else if (kind === 'datetime') fields[column] = normalizeTime(raw);
      else {
        const source = exact ? sourceAt(findingText, path) : undefined;
        fields[column] = source !== undefined ? new RawJson(raw, source) : raw;
      }
      break;
    }
  }
  fields[RAW_DATA] = new RawJson({ findings: [finding] }, `{"findings":[${findingText}]}`);

  let time: string | undefined;
  if (isObject(around)) {
    time = normalizeTime(around.time);
    const rest = time === undefined ? around : without(around, 'time');
    if (rest !== undefined) fields[ADDITIONAL_FIELDS_COLUMN] = JSON.stringify(rest);
  }
  time ??= normalizeTime(finding.UpdatedAt);
  return { fields, time };
}

/**
 * AWS Security Hub findings (ASFF) delivered to S3 by EventBridge → Firehose: EventBridge events
 * concatenated with no separator (or one per line), each holding `detail.findings`. Each finding is
 * its own record and its own row of Sentinel's AWSSecurityHubFindings table, with the columns
 * Microsoft's DCR fills ({@link SECURITYHUB_FIELD_COLUMNS}), TimeGenerated the event's `time` and
 * RawData the finding. Also reads `{"findings":[...]}`, `{"Findings":[...]}`, bare findings, and JSON
 * arrays of any of these ({@link containerOf}).
 *
 * Records are counted per finding, so a continuation that skips N records skips the same N findings
 * on every read; a value that is not JSON or holds no findings is one malformed record with the line
 * it starts on, and the values around it still arrive.
 */
export const securityhubFormat: FormatDefinition = {
  name: 'securityhub',
  description:
    'AWS Security Hub findings (EventBridge events via Firehose, or ASFF findings), one AWSSecurityHubFindings row per finding.',
  columns: COLUMNS,
  builtinTable: AWS_SECURITY_HUB_FINDINGS,
  createParser: () => ({
    split: async function* (text) {
      for await (const items of jsonSources(text, new JsonRecordSplitter('documents'))) {
        const out: SourceItem[] = [];
        for (const item of items) {
          if (item.kind === 'record') pushFindings(item.text, item.lineNumber, out);
          else out.push(item);
        }
        if (out.length > 0) yield out;
      }
    },
    parse: parseFinding,
  }),
};
