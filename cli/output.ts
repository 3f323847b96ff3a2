import { Presets, SingleBar } from 'cli-progress';

/**
 * Where a command writes. Commands never touch `process` directly, so tests can capture every line
 * and check, for example, that a secret never appears in it.
 */
export interface Output {
  /** Results: what a script would parse. */
  out(line: string): void;
  /** Diagnostics, hints and warnings. */
  err(line: string): void;
  /** A progress indicator for long work; a no-op when the terminal is not interactive. */
  progress(label: string): Progress;
}

/** A progress bar whose total may grow as work is discovered (listing pages, for example). */
export interface Progress {
  start(total: number): void;
  setTotal(total: number): void;
  update(value: number): void;
  stop(): void;
}

/** A `Progress` that draws nothing: for non-TTY output, CI logs and tests. */
export const NO_PROGRESS: Progress = {
  start: () => undefined,
  setTotal: () => undefined,
  update: () => undefined,
  stop: () => undefined,
};

/** Minimal writable stream shape, so tests can pass a collector. */
export interface TextSink {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * The real output: results to `stdout`, diagnostics and progress bars to `stderr`. Bars are drawn
 * only when `stderr` is a TTY, so redirected output and CI logs stay free of control characters.
 */
export function streamOutput(stdout: TextSink, stderr: TextSink): Output {
  return {
    out: (line) => void stdout.write(`${line}\n`),
    err: (line) => void stderr.write(`${line}\n`),
    progress: (label) => (stderr.isTTY ? terminalProgress(label, stderr) : NO_PROGRESS),
  };
}

function terminalProgress(label: string, stream: TextSink): Progress {
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {percentage}% | {duration_formatted}`,
      stream: stream as NodeJS.WritableStream,
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  return {
    start: (total) => bar.start(total, 0),
    setTotal: (total) => bar.setTotal(total),
    update: (value) => bar.update(value),
    stop: () => bar.stop(),
  };
}
