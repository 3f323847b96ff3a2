import { rawColumnsOf } from '../../../lambda/formats/raw-json';
import { RawJson, RowFactory, type ObjectRef } from '../../../lambda/core/rows';

const OBJECT: ObjectRef = {
  bucket: 'logs',
  key: 'a/"quoted"\\é😀.json',
  versionId: 'v1',
  eTag: '"etag"',
  eventTime: '2026-11-28T12:00:00+02:00',
};

describe('RowFactory.row', () => {
  const factory = new RowFactory(OBJECT);

  test('starts with the provenance columns, in order, then the fields without null or undefined', () => {
    // WHEN
    const row = factory.row(7, undefined, { Message: 'hi', Missing: undefined, Nothing: null, Zero: 0 });
    // THEN
    expect(Object.keys(row)).toStrictEqual([
      'TimeGenerated',
      'RecordIndex',
      'RecordId',
      'S3Bucket',
      'S3Key',
      'S3EventTime',
      'S3ObjectVersion',
      'Message',
      'Zero',
    ]);
    expect(row).toMatchObject({
      TimeGenerated: '2026-11-28T10:00:00.000Z',
      RecordIndex: 7,
      RecordId: factory.recordId(7),
      S3ObjectVersion: 'v1',
    });
  });

  test('keeps a RawJson column as its value, with its text beside the row for the batcher', () => {
    // GIVEN a record's source text, spacing and a duplicate key included
    const source = '{"a": 1, "a": 2}';
    const value = JSON.parse(source) as unknown;
    // WHEN
    const row = factory.row(0, '2026-01-01T00:00:00.000Z', { Record: new RawJson(value, source) });
    // THEN the row reads as plain data, and the text is found by rawColumnsOf only
    expect(row.Record).toBe(value);
    expect(JSON.parse(JSON.stringify(row)).Record).toStrictEqual({ a: 2 });
    expect(rawColumnsOf(row)?.Record.json).toBe(source);
    expect(rawColumnsOf(factory.row(1, undefined, { Message: 'x' }))).toBeUndefined();
  });

  test('fails, naming the object, when the S3 event time is not a time', () => {
    expect(() => new RowFactory({ ...OBJECT, eventTime: 'yesterday' })).toThrow(
      'S3 event time "yesterday" of s3://logs/a/"quoted"\\é😀.json is not an ISO 8601 time',
    );
  });
});
