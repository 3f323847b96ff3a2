/**
 * Object keys in EventBridge events, whose URL-encoding AWS does not document: the decoded key is
 * read first, the key as written only after NoSuchKey or AccessDenied; notification keys (documented
 * as URL-encoded) get no second try.
 */
import { S3ServiceException } from '@aws-sdk/client-s3';
import { s3ObjectOpener } from '../../../lambda/io/s3-objects';
import type { DependencyOptions } from '../../../lambda/pipeline/handler';
import { eventBridgeEvent, lambdaContext, s3Notification, sqsEvent, sqsRecord } from '../../support/events';
import {
  BUCKET,
  makeHandler,
  ndjson,
  output,
  putObject,
  rowsOf,
  s3,
  useForwarderHarness,
} from '../../support/forwarder-harness';

useForwarderHarness();

describe('forwarder handler', () => {
  describe('EventBridge keys, whose URL-encoding AWS does not document', () => {
    /** GetObject keys in the order the forwarder asked for them. */
    let opened: string[];
    const recordingOpener =
      (inner?: DependencyOptions['openObject']): DependencyOptions['openObject'] =>
      async (ref, signal) => {
        opened.push(ref.key);
        return (inner ?? s3ObjectOpener(s3.client))(ref, signal);
      };
    beforeEach(() => {
      opened = [];
    });
    /** An EventBridge event carrying `key` exactly as given, not URL-encoded. */
    function unencodedEventBridgeEvent(object: { bucket: string; key: string; eTag?: string }): object {
      const doc = eventBridgeEvent(object) as { detail: { object: { key: string } } };
      doc.detail.object.key = object.key;
      return doc;
    }

    test("reads a URL-encoded key by its decoded form first ('+', '%' and spaces), never the raw form", async () => {
      // GIVEN an object whose key has '+', '%' and a space, and a decoy stored under the encoded form
      const object = await putObject('eventbridge/a+b c%41.json', ndjson(3));
      const encoded = 'eventbridge/a%2Bb+c%2541.json';
      await putObject(encoded, ndjson(7));
      // WHEN the event carries the key URL-encoded, as notifications do
      const response = await makeHandler({ openObject: recordingOpener() })(
        sqsEvent(sqsRecord(eventBridgeEvent(object))),
        lambdaContext(),
      );
      // THEN the decoded key was read, once, and is the rows' S3Key
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(opened).toStrictEqual(['eventbridge/a+b c%41.json']);
      expect(rowsOf('eventbridge/a+b c%41.json')).toHaveLength(3);
      expect(rowsOf(encoded)).toHaveLength(0);
    });

    test("falls back to the key as written when it was not URL-encoded ('+', '%' and spaces)", async () => {
      // GIVEN an object whose literal key decodes to a different, absent key ('+' → ' ', '%41' → 'A')
      const object = await putObject('eventbridge/raw key+plus %41.json', ndjson(4));
      // WHEN the event carries it unencoded
      const response = await makeHandler({ openObject: recordingOpener() })(
        sqsEvent(sqsRecord(unencodedEventBridgeEvent(object))),
        lambdaContext(),
      );
      // THEN NoSuchKey on the decoded key, then the raw key, which is the rows' S3Key
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(opened).toStrictEqual(['eventbridge/raw key plus A.json', 'eventbridge/raw key+plus %41.json']);
      const rows = rowsOf('eventbridge/raw key+plus %41.json');
      expect(rows).toHaveLength(4);
      expect(rows.every((r) => r.S3Key === 'eventbridge/raw key+plus %41.json')).toBe(true);
      expect(output.logs().some((l) => l.level === 'ERROR')).toBe(false);
    });

    test('falls back to the key as written on AccessDenied too (a missing key without s3:ListBucket)', async () => {
      const object = await putObject('eventbridge/denied+then 100%.json', ndjson(2));
      const deniedForDecoded: DependencyOptions['openObject'] = async (ref, signal) => {
        if (ref.key !== object.key) {
          throw new S3ServiceException({
            name: 'AccessDenied',
            $fault: 'client',
            $metadata: { httpStatusCode: 403 },
            message: 'Access Denied',
          });
        }
        return s3ObjectOpener(s3.client)(ref, signal);
      };
      const response = await makeHandler({ openObject: recordingOpener(deniedForDecoded) })(
        sqsEvent(sqsRecord(unencodedEventBridgeEvent(object))),
        lambdaContext(),
      );
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(opened).toStrictEqual(['eventbridge/denied then 100%.json', object.key]);
      expect(rowsOf(object.key)).toHaveLength(2);
    });

    test('fails permanent on the decoded key when neither form exists', async () => {
      const response = await makeHandler({ openObject: recordingOpener() })(
        sqsEvent(
          sqsRecord(unencodedEventBridgeEvent({ bucket: BUCKET, key: 'eventbridge/gone+away.json' }), 'gone'),
        ),
        lambdaContext(),
      );
      expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'gone' }] });
      expect(opened).toStrictEqual(['eventbridge/gone away.json', 'eventbridge/gone+away.json']);
      expect(output.logs().find((l) => l.level === 'ERROR')).toMatchObject({
        failureClass: 'ObjectNotFound',
        retryable: false,
        key: 'eventbridge/gone away.json',
      });
    });

    test('keeps notification keys as documented (URL-encoded): no second try with the key as written', async () => {
      const object = await putObject('notification/raw key+plus.json', ndjson(2));
      const doc = s3Notification(object) as { Records: { s3: { object: { key: string } } }[] };
      doc.Records[0].s3.object.key = object.key;
      const response = await makeHandler({ openObject: recordingOpener() })(
        sqsEvent(sqsRecord(doc, 'raw-notification')),
        lambdaContext(),
      );
      expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'raw-notification' }] });
      expect(opened).toStrictEqual(['notification/raw key plus.json']);
      expect(rowsOf(object.key)).toHaveLength(0);
    });
  });
});
