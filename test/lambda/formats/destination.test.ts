import {
  addedColumns,
  builtinMismatches,
  builtinRenames,
  DCR_ADDED_COLUMNS,
  landedColumns,
  PRODUCER_COLUMN,
  RECORD_TIME_COLUMN,
} from '../../../lambda/formats/destination';
import type { BuiltinTable } from '../../../lambda/formats/builtin-tables';
import { PROVENANCE_COLUMNS, TRUNCATION_COLUMNS, type Column } from '../../../lambda/formats/schema';

const TABLE: BuiltinTable = {
  name: 'AWSExample',
  stream: 'Microsoft-AWSExample',
  columns: [
    { name: 'TimeGenerated', type: 'datetime' },
    { name: 'EventName', type: 'string' },
    { name: 'Count', type: 'int' },
  ],
  systemColumns: [{ name: 'TenantId', type: 'string' }],
};

describe('builtinRenames', () => {
  test('suffixes every provenance and stand-in column with _CF, but keeps the table’s TimeGenerated', () => {
    const renames = builtinRenames();
    expect(renames.has('TimeGenerated')).toBe(false);
    for (const column of [...PROVENANCE_COLUMNS, ...TRUNCATION_COLUMNS]) {
      if (column.name !== 'TimeGenerated') expect(renames.get(column.name)).toBe(`${column.name}_CF`);
    }
  });
});

describe('landedColumns and addedColumns', () => {
  const sent: Column[] = [
    { name: 'TimeGenerated', type: 'datetime' },
    { name: 'RecordId', type: 'string' },
    { name: 'EventName', type: 'string' },
    { name: 'AdditionalFields_CF', type: 'string' },
  ];

  test('a custom table receives the columns as sent', () => {
    expect(landedColumns(sent, { kind: 'custom' })).toStrictEqual(sent);
  });

  test('a built-in table receives provenance under _CF names, and needs those plus the DCR’s own added', () => {
    expect(landedColumns(sent, { kind: 'builtin', table: TABLE }).map((c) => c.name)).toStrictEqual([
      'TimeGenerated',
      'RecordId_CF',
      'EventName',
      'AdditionalFields_CF',
    ]);
    expect(addedColumns(sent, TABLE).map((c) => c.name)).toStrictEqual([
      'RecordId_CF',
      'AdditionalFields_CF',
      PRODUCER_COLUMN.name,
      RECORD_TIME_COLUMN.name,
    ]);
    expect(DCR_ADDED_COLUMNS.every((c) => c.name.endsWith('_CF'))).toBe(true);
  });
});

describe('builtinMismatches', () => {
  test('agrees when every column is the table’s own, with its type, or a _CF one', () => {
    expect(
      builtinMismatches(
        [
          { name: 'TimeGenerated', type: 'datetime' },
          { name: 'Count', type: 'int' },
          { name: 'S3Key', type: 'string' },
        ],
        TABLE,
      ),
    ).toStrictEqual([]);
  });

  test('names a wrong type, an unknown column without _CF, and a column Azure fills', () => {
    expect(
      builtinMismatches(
        [
          { name: 'Count', type: 'long' },
          { name: 'Eventname', type: 'string' },
          { name: 'TenantId', type: 'string' },
        ],
        TABLE,
      ),
    ).toStrictEqual([
      'Count is int in AWSExample, not long',
      'AWSExample has no column Eventname, and only columns ending in _CF can be added to it',
      'TenantId is a column Azure fills in AWSExample; it must not be sent',
    ]);
  });
});
