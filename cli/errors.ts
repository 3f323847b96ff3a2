/**
 * The CLI's error classes. The class decides the exit code, so a command only has to say what went
 * wrong and what to do about it.
 */

/** Exit codes: 0 success, 1 the operation failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Something about the command line or the local configuration; exit code 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT.usage;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The operation ran and failed (AWS said no, a resource is missing, a task failed); exit code 1. */
export class OperationalError extends Error {
  readonly exitCode = EXIT.failure;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OperationalError';
  }
}

/** The AWS SDK's error name (`QueueDoesNotExist`, `ParameterNotFound`, ...), if `error` is one. */
export function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** `Name: message` of any thrown value, for wrapping SDK errors in an actionable message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message ? `${error.name}: ${error.message}` : error.name;
  return String(error);
}

/** Replaces every occurrence of `secret` in `text`, so an echoed value cannot reach a terminal or log. */
export function redact(text: string, secret: string): string {
  return secret.length === 0 ? text : text.split(secret).join('***');
}
