// Malformed-record reasons are logged ("Malformed record isolated") and kept in CloudWatch: they name
// the position and the kind of error, never the record's content.
import { FORMAT_NAMES } from '../../../lambda/formats';
import { jsonErrorReason } from '../../../lambda/formats/parse-helpers';
import { malformedOf, parseAll } from './helpers';

const MARKER = 'SECRET-123';

const VPC_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const VPC_RECORD = '2 123456789010 eni-1 10.0.0.1 10.0.0.2 443 49152 6 1 40 1418530010 1418530070 ACCEPT OK';

/** Well-formed records, each of which the mutations below break in many places. */
const SEEDS = [
  `{"user":"${MARKER}","n":1,"list":[1,2,{"k":"${MARKER}"}]}`,
  `{"Records":[{"eventTime":"2024-01-01T00:00:00Z","requestParameters":{"p":"${MARKER}"}}]}`,
  `[{"a":"${MARKER}"},{"b":2}]`,
  `${VPC_HEADER}\n${VPC_RECORD.replace('eni-1', MARKER)}`,
];

/**
 * Malformed variants of `seed`, every one still holding the marker: the marker dropped in as a bare
 * token at each position, the seed cut short at each position (with the marker appended), and
 * each structural character replaced by the marker.
 */
function* mutations(seed: string): Generator<string> {
  for (let i = 0; i <= seed.length; i++) {
    yield seed.slice(0, i) + MARKER + seed.slice(i);
    yield seed.slice(0, i) + ` ${MARKER}`;
    if ('{}[]:,"'.includes(seed[i])) yield seed.slice(0, i) + MARKER + seed.slice(i + 1);
  }
}

/** Hand-picked samples for each of V8's JSON messages and each reason of the formats. */
const SAMPLES = [
  MARKER,
  `{"a":${MARKER}}`,
  `{"a":"${MARKER}"`,
  `{"${MARKER}" 1}`,
  `{${MARKER}}`,
  `["${MARKER}",]`,
  `{"a":"${MARKER}\u0001"}`,
  `{"a":"\\q${MARKER}"}`,
  `{"a":"\\u${MARKER}"}`,
  `{"a":1} ${MARKER}`,
  `"${MARKER}`,
  `{"a":-${MARKER}}`,
  `{"a":01${MARKER}}`,
  `{"a":1.${MARKER}}`,
  `{"a":1e${MARKER}}`,
  `{"Records":[${MARKER}]}`,
  `{${MARKER}:1}`,
  `${VPC_HEADER}\n${VPC_RECORD.replace('443', MARKER)}`,
  `${VPC_HEADER}\n${VPC_RECORD.replace('1418530010', MARKER)}`,
  `${VPC_HEADER}\n${VPC_RECORD} ${MARKER}`,
  `version srcport start\n2 ${MARKER} 1418530010`,
];

describe('malformed-record reasons', () => {
  const inputs = [...SAMPLES, ...SEEDS.flatMap((seed) => [...mutations(seed)])];

  test.each(FORMAT_NAMES)('never quote the record (%s)', async (format) => {
    // GIVEN hundreds of malformed inputs, each holding the marker
    let malformed = 0;
    for (const input of inputs) {
      // WHEN each is parsed as this format, whole and in 7-byte chunks
      for (const chunkSize of [undefined, 7]) {
        const outcomes = await parseAll(format, input, undefined, chunkSize ? { chunkSize } : {});
        // THEN no reason carries the marker, nor any part of it
        for (const { reason } of malformedOf(outcomes)) {
          malformed++;
          expect(reason).not.toContain(MARKER);
          expect(reason).not.toMatch(/SECRET/);
        }
      }
    }
    // ... and the inputs did reach the reasons (text has none: every line is a record; csv few: a
    // one-line input is only its header. test/lambda/formats/csv.test.ts checks csv's own reasons.)
    if (format !== 'text' && format !== 'csv') expect(malformed).toBeGreaterThan(50);
  });

  test.each([
    ['{"a":1', "not valid JSON (SyntaxError at position 6: expected ',' or '}' after a property value)"],
    [`{"a":${MARKER}}`, 'not valid JSON (SyntaxError: unexpected character)'],
    [`"${MARKER}`, 'not valid JSON (SyntaxError at position 11: unterminated string)'],
    ['{"a":1} x', 'not valid JSON (SyntaxError at position 8: more text after the JSON value)'],
    ['', 'not valid JSON (SyntaxError: unexpected end of input)'],
  ])('names the error class, position and kind of %j', (text, reason) => {
    // GIVEN what JSON.parse throws for the text
    let error: unknown;
    try {
      JSON.parse(text);
    } catch (e) {
      error = e;
    }
    // THEN the reason is built from fixed phrases
    expect(jsonErrorReason(error)).toBe(reason);
  });

  test('keeps nothing of a message it does not know', () => {
    expect(jsonErrorReason(new SyntaxError(`Something new about "${MARKER}" at position 3`))).toBe(
      'not valid JSON (SyntaxError at position 3)',
    );
    expect(jsonErrorReason(MARKER)).toBe('not valid JSON (error)');
  });
});
