import { gzipSync } from 'node:zlib';
import { lambdaContext, s3Notification, sqsEvent, sqsRecord } from './events';
import { makeHandler, output, putObject } from './forwarder-harness';
import type { Row } from './sentinel-content';

/**
 * Puts `text` in s3rver as a gzip object under `key`, runs the handler built from `options` on its
 * notification, and returns `rowsOf(key)`: the rows of that object that arrived. Throws, with the
 * forwarder's errors and warnings, when the object was not delivered.
 */
export async function forwardObject(
  key: string,
  text: string,
  options: Parameters<typeof makeHandler>[0],
  rowsOf: (key: string) => Row[],
): Promise<Row[]> {
  const object = await putObject(key, gzipSync(text));
  const response = await makeHandler(options)(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
  if (response.batchItemFailures.length > 0) {
    const errors = output
      .logs()
      .filter((l) => l.level === 'ERROR' || l.level === 'WARN')
      .map((l) => JSON.stringify(l).slice(0, 600));
    throw new Error(`the forwarder did not deliver ${key}:\n${errors.join('\n')}`);
  }
  return rowsOf(object.key);
}
