import { NoSuchKey, S3ServiceException } from '@aws-sdk/client-s3';
import {
  classifyIngestionError,
  classifyS3Error,
  IngestionUnavailableError,
  ObjectAccessDeniedError,
  ObjectNotFoundError,
  ObjectReadError,
  ObjectUnreadableError,
  TimeBudgetExhaustedError,
  UnrecognizedMessageError,
} from '../../../lambda/core/errors';

const ctx = { producer: 'app-logs', bucket: 'logs', key: 'a/b.json.gz' };
const target = { ...ctx, dcrImmutableId: 'dcr-1', streamName: 'Custom-AppLogs' };

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: `${name} from S3`,
  });
}

describe('error classes', () => {
  test('set their name and their retryable classification', () => {
    const error = new UnrecognizedMessageError('x');
    expect(error.name).toBe('UnrecognizedMessageError');
    expect(error.retryable).toBe(false);
    expect(error).toBeInstanceOf(Error);
    expect(new TimeBudgetExhaustedError('y').retryable).toBe(true);
  });
});

describe('classifyS3Error', () => {
  test('NoSuchKey is permanent and names the object', () => {
    const error = classifyS3Error(new NoSuchKey({ message: 'gone', $metadata: {} }), ctx);
    expect(error).toBeInstanceOf(ObjectNotFoundError);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('s3://logs/a/b.json.gz');
  });

  test('AccessDenied is permanent and names s3:GetObject and, for SSE-KMS, kms:Decrypt', () => {
    const error = classifyS3Error(s3Error('AccessDenied', 403), ctx);
    expect(error).toBeInstanceOf(ObjectAccessDeniedError);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/s3:GetObject on arn:aws:s3:::logs\/a\/b\.json\.gz/);
    expect(error.message).toMatch(/SSE-KMS.*kms:Decrypt/);
    expect(error.message).toContain('producer app-logs');
  });

  test('AccessDenied also says the object may no longer exist (S3 answers 403 for a missing key without s3:ListBucket)', () => {
    const error = classifyS3Error(s3Error('AccessDenied', 403), ctx);
    expect(error).toBeInstanceOf(ObjectAccessDeniedError);
    expect(error.message).toContain('s3://logs/a/b.json.gz');
    expect(error.message).toMatch(/no longer exists \(deleted or expired before the forwarder read it/);
    expect(error.message).toMatch(/without s3:ListBucket.*AccessDenied rather than NoSuchKey/);
    expect(error.message).toMatch(/s3:GetObject on arn:aws:s3:::logs\/a\/b\.json\.gz.*SSE-KMS.*kms:Decrypt/);
  });

  test.each([
    ['SlowDown', 503],
    ['InternalError', 500],
  ])('%s is transient', (name, status) => {
    const error = classifyS3Error(s3Error(name, status), ctx);
    expect(error).toBeInstanceOf(ObjectReadError);
    expect(error.retryable).toBe(true);
  });

  test('a network reset while streaming is transient', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyS3Error(reset, ctx)).toBeInstanceOf(ObjectReadError);
  });

  test('an error the reader marks retryable: false (a corrupt gzip) is permanent', () => {
    const corrupt = Object.assign(new Error('incorrect header check'), {
      name: 'DecompressionError',
      retryable: false,
    });
    const error = classifyS3Error(corrupt, ctx);
    expect(error).toBeInstanceOf(ObjectUnreadableError);
    expect(error.retryable).toBe(false);
  });
});

describe('classifyIngestionError', () => {
  test.each(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED'])('%s is transient', (code) => {
    const err = Object.assign(new Error('network'), { name: 'RestError', code });
    const error = classifyIngestionError(err, target, false);
    expect(error).toBeInstanceOf(IngestionUnavailableError);
    expect(error.message).toContain(code);
  });

  test('an abort after the deadline is a time-budget failure, not a network one', () => {
    const abort = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    expect(classifyIngestionError(abort, target, true)).toBeInstanceOf(TimeBudgetExhaustedError);
  });

  test('429 after the SDK retries is transient', () => {
    const err = Object.assign(new Error('Too many'), { name: 'RestError', statusCode: 429 });
    expect(classifyIngestionError(err, target, false)).toBeInstanceOf(IngestionUnavailableError);
  });
});
