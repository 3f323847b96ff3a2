// RowFactory's JSON templates and JsonRow: the batcher writes a JsonRow as ownJson + sharedJsonBytes
// + the record's bytes, and measures it as headJson + the column's member prefix + the record; both
// must be the row RowFactory.row makes for the same record, serialized as JSON.stringify would.
import { RawJson, rowOriginOf, RowFactory, type ObjectRef } from '../../lambda/pipeline/rows';

const OBJECTS: Record<string, ObjectRef> = {
  'version id and ETag': {
    bucket: 'logs',
    key: 'a/"quoted"\\é😀\n.json',
    versionId: 'v"1',
    eTag: '"etag"',
    eventTime: '2026-11-28T10:00:00Z',
  },
  'ETag only': { bucket: 'logs', key: 'b.ndjson', eTag: '"e-1"', eventTime: '2026-11-28T12:00:00+02:00' },
  'no version': { bucket: 'other', key: 'k', eventTime: '2026-11-28T10:00:00.123Z' },
};
const hasVersion = (object: ObjectRef): boolean =>
  object.versionId !== undefined || object.eTag !== undefined;

const TEXTS = [
  '{"a":1}',
  '{"a" : "\\u00e9\\ud83d\\ude00\\/" , "b":[ 1 , 2 ]}',
  '{"dup":1,"dup":"two","big":12345678901234567890,"huge":1e400}',
  '{}',
  '{"τ":"é😀中","nested":{"x":[null,true]}}',
];
const TIMES = [undefined, '2026-01-02T03:04:05.678Z'];
const INDEXES = [0, 255, 2 ** 32 + 1];
const COLUMNS = ['Record', 'we"ird é'];

describe.each(Object.entries(OBJECTS))('an object with %s', (_name, object) => {
  const factory = new RowFactory(object);

  test('JsonRow.row is the row RowFactory.row makes for the same record, its text kept', () => {
    for (const text of TEXTS) {
      for (const time of TIMES) {
        // GIVEN a JsonRow of the record
        const json = Buffer.from(text, 'utf8');
        const row = factory.jsonRow(7, time, 'Record', json);
        // WHEN its row is read
        const value = row.row;
        // THEN it is RowFactory's row of the parsed record, carrying the record's text for the batcher
        expect(value).toStrictEqual(factory.row(7, time, { Record: JSON.parse(text) }));
        expect('S3ObjectVersion' in value).toBe(hasVersion(object));
        const origin = rowOriginOf(value);
        expect(origin?.factory).toBe(factory);
        expect(origin?.raw?.Record).toBeInstanceOf(RawJson);
        expect(origin?.raw?.Record.json).toBe(text);
        expect(origin?.raw?.Record.value).toBe(value.Record);
        expect(row.bytes).toBe(json.length);
        expect(row.kind).toBe('row');
      }
    }
  });

  test('headJson is ownJson followed by the shared members of sharedJsonBytes', () => {
    for (const column of COLUMNS) {
      // GIVEN the shared bytes for the column, which end with the column's member prefix
      const shared = factory.sharedJsonBytes(column).toString('utf8');
      const prefix = `,${JSON.stringify(column)}:`;
      expect(shared.endsWith(prefix)).toBe(true);
      for (const index of INDEXES) {
        for (const time of TIMES) {
          // WHEN
          const head = factory.headJson(index, time);
          // THEN the head is the record's own members then the shared ones, without the column
          expect(head).toBe(factory.ownJson(index, time) + shared.slice(0, -prefix.length));
          // and it is JSON.stringify of the provenance columns RowFactory.row writes, without the brace
          const provenance = factory.row(index, time, {});
          expect(head).toBe(JSON.stringify(provenance).slice(0, -1));
          expect(factory.provenanceJson(provenance, Object.keys(provenance))).toBe(head);
          expect(head.includes('"S3ObjectVersion":')).toBe(hasVersion(object));
        }
      }
    }
  });

  test('ownJson holds only the members that differ from row to row', () => {
    for (const index of INDEXES) {
      for (const time of TIMES) {
        const own = JSON.parse(`${factory.ownJson(index, time)}}`) as Record<string, unknown>;
        expect(own).toStrictEqual({
          TimeGenerated: time ?? factory.eventTime,
          RecordIndex: index,
          RecordId: factory.recordId(index),
        });
      }
    }
  });
});
