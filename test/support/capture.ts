/** Captures what the forwarder writes to stdout/stderr (Powertools logs and EMF metrics). */
export interface CapturedOutput {
  /** Every chunk written, as text. */
  readonly text: () => string;
  /** Every line that parses as JSON. */
  readonly json: () => Record<string, unknown>[];
  /** Log lines (those with a `level`). */
  readonly logs: () => Record<string, unknown>[];
  /** EMF metric blobs (those with `_aws`). */
  readonly metrics: () => Record<string, unknown>[];
  readonly restore: () => void;
}

/** Starts capturing; call `restore` in `afterEach`. */
export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  const json = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  return {
    text: () => chunks.join(''),
    json,
    logs: () => json().filter((l) => 'level' in l),
    metrics: () => json().filter((l) => '_aws' in l),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}

/** Sum of metric `name` over EMF blobs (values may be arrays). */
export function metricSum(
  blobs: Record<string, unknown>[],
  name: string,
  dimensions: Record<string, string> = {},
): number {
  let sum = 0;
  for (const blob of blobs) {
    if (!Object.entries(dimensions).every(([k, v]) => blob[k] === v)) continue;
    const value = blob[name];
    if (typeof value === 'number') sum += value;
    else if (Array.isArray(value)) sum += value.reduce((s: number, v: number) => s + v, 0);
  }
  return sum;
}
