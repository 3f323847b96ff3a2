// The operator CLI's entry point: `s3-to-sentinel <command>`. Bundled by scripts/bundle-cli.mjs into
// dist/cli/index.js (the package's `bin`), which adds the `#!/usr/bin/env node` line.
import { runCli } from '../cli/program';

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

process.on('SIGINT', () => {
  // A progress bar hides the cursor: give it back. Nothing is lost by stopping here: backfill's state
  // file has every completed batch, and an SQS move task keeps running without the CLI.
  if (process.stderr.isTTY) process.stderr.write('\x1b[?25h\n');
  process.stderr.write('interrupted\n');
  process.exit(130);
});

void runCli(process.argv.slice(2), {
  io: { stdout: process.stdout, stderr: process.stderr, readStdin, stdinIsTTY: process.stdin.isTTY === true },
  debug: process.env.S3_TO_SENTINEL_DEBUG === '1',
}).then((code) => {
  // exitCode rather than exit(): lets stdout drain when piped.
  process.exitCode = code;
});
