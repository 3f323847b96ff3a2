import { countKinds, fixture, parseAll, rowsOf } from './helpers';

describe('text format', () => {
  test('makes one row per non-empty line, the line in Message', async () => {
    // GIVEN the ALB sample with a blank line between its two records
    const lines = fixture('alb/elb_empty_line.log')
      .toString()
      .split('\n')
      .filter((l) => l.length > 0);
    // WHEN
    const outcomes = await parseAll('text', fixture('alb/elb_empty_line.log'));
    // THEN
    expect(rowsOf(outcomes).map((r) => r.Message)).toStrictEqual(lines);
    expect(outcomes.map((o) => (o.kind === 'row' ? o.index : -1))).toStrictEqual([0, 1]);
  });

  test('uses the S3 event time as TimeGenerated', async () => {
    const [row] = rowsOf(await parseAll('text', 'hello'));
    expect(row.TimeGenerated).toBe(row.S3EventTime);
  });

  test('keeps CRLF out of the message', async () => {
    expect(rowsOf(await parseAll('text', 'a\r\nb\r\n')).map((r) => r.Message)).toStrictEqual(['a', 'b']);
  });

  test('skips a Parquet file as one object, with a reason, instead of sending binary rows', async () => {
    // GIVEN a Parquet file's bytes (magic PAR1 at both ends), split across tiny chunks
    const parquet = Buffer.concat([
      Buffer.from('PAR1'),
      Buffer.from([0x15, 0x04, 0x00, 0xff]),
      Buffer.from('PAR1'),
    ]);
    const outcomes = await parseAll('text', parquet, undefined, { chunkSize: 1 });
    // THEN
    expect(outcomes).toStrictEqual([
      { kind: 'skipped-object', reason: expect.stringMatching(/^a Parquet file \(binary\), not text/) },
    ]);
  });

  test('reads text that merely starts like the magic, and a short object, as lines', async () => {
    expect(countKinds(await parseAll('text', 'PAR\nPARTY 1\n', undefined, { chunkSize: 2 }))).toStrictEqual({
      row: 2,
    });
    expect(rowsOf(await parseAll('text', 'ok'))).toHaveLength(1);
  });
});
