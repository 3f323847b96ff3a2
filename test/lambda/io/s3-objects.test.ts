import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Readable } from 'node:stream';
import {
  classifyS3Error,
  ObjectReadError,
  ObjectReadTimeoutError,
  TimeBudgetExhaustedError,
} from '../../../lambda/core/errors';
import type { NotifiedObject } from '../../../lambda/io/events';
import { s3ObjectOpener } from '../../../lambda/io/s3-objects';

const s3Mock = mockClient(S3Client);
beforeEach(() => s3Mock.reset());

const OBJECT: NotifiedObject = {
  bucket: 'logs',
  key: 'app/2026/11/28/object.json',
  versionId: 'v1',
  eventTime: '2026-11-28T10:00:00Z',
};

/** A GetObject that never answers. */
const hang = () => new Promise<never>(() => undefined);

/** A body that sends `first`, then nothing. */
function stallingBody(first: string): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) this.push(Buffer.from(first));
      sent = true;
    },
  });
}

/** The SDK's body type, as the Node stream it is at run time. */
const asBody = (stream: Readable) => stream as unknown as GetObjectCommandOutput['Body'];

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of body) bytes += chunk.length;
  return bytes;
}

describe('s3ObjectOpener', () => {
  test('opens the notified version and streams its body', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: asBody(Readable.from([Buffer.from('{"a":1}\n')])) });
    const body = await s3ObjectOpener(new S3Client({}), { producer: 'app-logs' })(
      OBJECT,
      new AbortController().signal,
    );
    await expect(drain(body)).resolves.toBe(8);
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: 'logs',
      Key: OBJECT.key,
      VersionId: 'v1',
    });
  });

  test('fails transient, naming the object and what to check, when GetObject gets no answer', async () => {
    // GIVEN
    s3Mock.on(GetObjectCommand).callsFake(hang);
    const open = s3ObjectOpener(new S3Client({}), { producer: 'app-logs', timeoutMs: 50 });
    // WHEN
    const error = await open(OBJECT, new AbortController().signal).catch((e: unknown) => e);
    // THEN classified once, here: the pipeline's classifier keeps it as it is
    expect(error).toBeInstanceOf(ObjectReadTimeoutError);
    expect(error).toBeInstanceOf(ObjectReadError);
    expect((error as ObjectReadTimeoutError).retryable).toBe(true);
    expect((error as Error).message).toBe(
      `producer app-logs s3://logs/${OBJECT.key}: GetObject got no answer within 0.05 s; retrying later. ` +
        "If this keeps happening, check the function's network path to S3 (VPC endpoint or NAT) and S3's " +
        'health in the region.',
    );
    expect(classifyS3Error(error, { producer: 'app-logs' })).toBe(error);
  });

  test("fails as time running out as soon as the invocation's signal aborts during GetObject", async () => {
    s3Mock.on(GetObjectCommand).callsFake(hang);
    const invocation = new AbortController();
    const opening = s3ObjectOpener(new S3Client({}), { producer: 'app-logs' })(OBJECT, invocation.signal);
    invocation.abort();
    const error = await opening.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeBudgetExhaustedError);
    expect((error as Error).message).toMatch(/s3:\/\/logs\/app\/2026\/11\/28\/object\.json: .*GetObject/);
  });

  test('fails transient, naming bucket and key, when the body stops sending bytes', async () => {
    // GIVEN a body that sends one line and stalls
    const stream = stallingBody('{"a":1}\n');
    s3Mock.on(GetObjectCommand).resolves({ Body: asBody(stream) });
    const body = await s3ObjectOpener(new S3Client({}), { producer: 'app-logs', idleTimeoutMs: 50 })(
      OBJECT,
      new AbortController().signal,
    );
    // WHEN
    const error = await drain(body).catch((e: unknown) => e);
    // THEN the read fails transient, and the body's socket is released
    expect(error).toBeInstanceOf(ObjectReadTimeoutError);
    expect((error as ObjectReadTimeoutError).retryable).toBe(true);
    expect((error as Error).message).toMatch(
      /^producer app-logs s3:\/\/logs\/app\/2026\/11\/28\/object\.json: the object's body sent no bytes for 0\.05 s; retrying later\./,
    );
    expect(stream.destroyed).toBe(true);
  });

  test("ends a stalled body read as soon as the invocation's signal aborts", async () => {
    const stream = stallingBody('x');
    s3Mock.on(GetObjectCommand).resolves({ Body: asBody(stream) });
    const invocation = new AbortController();
    const body = await s3ObjectOpener(new S3Client({}), { producer: 'app-logs' })(OBJECT, invocation.signal);
    const reading = drain(body);
    setTimeout(() => invocation.abort(), 20);
    await expect(reading).rejects.toThrow();
    expect(stream.destroyed).toBe(true);
  });
});
