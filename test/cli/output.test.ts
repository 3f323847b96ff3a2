import { NO_PROGRESS, streamOutput } from '../../cli/output';
import { textCollector } from './support';

describe('streamOutput', () => {
  test('writes results to stdout and diagnostics to stderr, one line each', () => {
    const stdout = textCollector();
    const stderr = textCollector();
    const output = streamOutput(stdout, stderr);

    output.out('result');
    output.err('warning');

    expect(stdout.text).toBe('result\n');
    expect(stderr.text).toBe('warning\n');
  });

  test('draws no progress bar when stderr is not a terminal', () => {
    const stderr = textCollector(false);
    const progress = streamOutput(textCollector(), stderr).progress('enqueued');

    progress.start(10);
    progress.update(5);
    progress.stop();

    expect(progress).toBe(NO_PROGRESS);
    expect(stderr.text).toBe('');
  });

  test('draws a bar on a terminal', () => {
    // GIVEN a stderr that claims to be a TTY, with the cursor methods cli-progress calls
    const stderr = Object.assign(textCollector(true), {
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
      columns: 120,
    });
    const progress = streamOutput(textCollector(), stderr).progress('enqueued');

    // WHEN
    progress.start(4);
    progress.update(4);
    progress.stop();

    // THEN
    expect(stderr.text).toContain('enqueued [');
    expect(stderr.text).toContain('4/4 100%');
  });
});
