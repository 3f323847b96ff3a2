/**
 * Fakes for unit tests of the pipeline: a parser over a described object, and an in-memory
 * `Uploader` with the delivery semantics of the real `ObjectDelivery`
 * (lambda/io/sentinel-uploader.ts): rows are batched `batchRows`
 * at a time; a full batch is submitted and accepted on the next tick unless the signal fired by
 * then; rows added or flushed after the signal fired are counted as failed, never accepted; and
 * `finish` reports a time-budget failure when time ran out with rows not accepted.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { classifyIngestionError } from '../../lambda/core/errors';
import { createMetrics, Telemetry } from '../../lambda/core/telemetry';
import type { Delivery, ObjectDeps, ParseObject, Uploader } from '../../lambda/pipeline/deliver-object';
import type { ParseOutcome } from '../../lambda/pipeline/parse-object';
import type { DeliveryContext, DeliveryResult } from '../../lambda/io/sentinel-uploader';

/** Called before each `add`, with how many rows were added before it: a test may abort there. */
export type BeforeAdd = (added: number) => void;

export interface FakeUploaderOptions {
  /** @default 3 */
  readonly batchRows?: number;
  readonly beforeAdd?: BeforeAdd;
  /** The batch starting at this index is refused with this error (a 500 after retries, say). */
  readonly refuseBatchAt?: { readonly index: number; readonly error: Error };
}

export class FakeUploader implements Uploader {
  /** Indexes of every row accepted, across deliveries. */
  public readonly accepted: number[] = [];

  public constructor(private readonly options: FakeUploaderOptions = {}) {}

  public open(context: DeliveryContext, signal: AbortSignal): Delivery {
    return new FakeDelivery(context, signal, this.options, this.accepted);
  }
}

class FakeDelivery implements Delivery {
  readonly oversized = [];
  #batch: number[] = [];
  #added = 0;
  #delivered = 0;
  #batches = 0;
  #failed = 0;
  #firstUndelivered: number | undefined;
  #error: Error | undefined;

  public constructor(
    private readonly context: DeliveryContext,
    private readonly signal: AbortSignal,
    private readonly options: FakeUploaderOptions,
    private readonly accepted: number[],
  ) {}

  public get stopped(): boolean {
    return this.#error !== undefined || this.signal.aborted;
  }

  public add(_row: unknown, index: number): Promise<void> | undefined {
    this.options.beforeAdd?.(this.#added++);
    if (this.stopped) {
      this.#unsent([index]);
      return undefined;
    }
    this.#batch.push(index);
    if (this.#batch.length < (this.options.batchRows ?? 3)) return undefined;
    return this.#submit();
  }

  public async finish(): Promise<DeliveryResult> {
    if (this.#batch.length > 0) await this.#submit();
    const target = {
      producer: 'test',
      bucket: this.context.bucket,
      key: this.context.key,
      dcrImmutableId: 'dcr-test',
      streamName: 'Custom-Test',
    };
    const error =
      this.#error !== undefined
        ? classifyIngestionError(this.#error, target, false)
        : this.signal.aborted && this.#failed > 0
          ? classifyIngestionError(new Error('time budget exhausted'), target, true)
          : undefined;
    return {
      recordsDelivered: this.#delivered,
      bytesDelivered: this.#delivered * 100,
      batchesDelivered: this.#batches,
      recordsFailed: this.#failed,
      oversized: [],
      resentCanonical: 0,
      ...(this.#firstUndelivered !== undefined ? { firstUndeliveredIndex: this.#firstUndelivered } : {}),
      ...(error !== undefined ? { error } : {}),
    };
  }

  async #submit(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    await new Promise((resolve) => setImmediate(resolve));
    const refused = this.options.refuseBatchAt;
    if (refused !== undefined && batch[0] === refused.index) {
      this.#error ??= refused.error;
    }
    if (this.stopped) {
      this.#unsent(batch);
      return;
    }
    this.accepted.push(...batch);
    this.#delivered += batch.length;
    this.#batches += 1;
  }

  #unsent(indexes: readonly number[]): void {
    this.#failed += indexes.length;
    for (const i of indexes) {
      if (this.#firstUndelivered === undefined || i < this.#firstUndelivered) this.#firstUndelivered = i;
    }
  }
}

/** An object's record slots, chunk by chunk: `r` a row, `m` a malformed line. */
export type Shape = readonly string[];

/** What the fake parser yields for `shape`, from record `skip` on, as parseObjectBatches would. */
export function outcomesOf(shape: Shape, skip: number): ParseOutcome[][] {
  let index = 0;
  return shape
    .map((chunk) =>
      [...chunk].flatMap((slot): ParseOutcome[] => {
        const i = index++;
        if (i < skip) return [];
        return slot === 'm'
          ? [{ kind: 'malformed', lineNumber: i + 1, reason: 'not valid JSON', index: i }]
          : [{ kind: 'row', row: { RecordIndex: i }, index: i }];
      }),
    )
    .filter((chunk) => chunk.length > 0);
}

export function rowIndexes(shape: Shape): number[] {
  return [...shape.join('')].flatMap((slot, i) => (slot === 'r' ? [i] : []));
}

/** A parser over `shape` that calls `beforeChunk(c)` before yielding its c-th chunk. */
export function fakeParse(shape: Shape, beforeChunk: (chunk: number) => void = () => undefined): ParseObject {
  return async function* (_format, _body, _object, options) {
    const chunks = outcomesOf(shape, options?.skipRecords ?? 0);
    for (const [c, chunk] of chunks.entries()) {
      beforeChunk(c);
      await Promise.resolve();
      yield chunk;
    }
  };
}

export function deps(
  parse: ParseObject,
  uploader: Uploader,
  overrides: Partial<ObjectDeps> = {},
): ObjectDeps {
  return {
    producer: 'app-logs',
    format: 'ndjson',
    openObject: async () => (async function* () {})(),
    parse,
    uploader,
    logger: new Logger({ logLevel: 'SILENT' }),
    telemetry: new Telemetry(createMetrics('app-logs')),
    ...overrides,
  };
}
