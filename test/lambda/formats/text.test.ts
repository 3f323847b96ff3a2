import { fixture, parseAll, rowsOf } from './helpers';

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
});
