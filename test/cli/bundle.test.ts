import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const bundle = join(root, 'dist', 'cli', 'index.js');

describe('the bundled CLI (dist/cli/index.js)', () => {
  let isolated: string;
  let cli: string;

  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'scripts', 'bundle-cli.mjs'), '--quiet'], {
      stdio: 'inherit',
    });
    // Run a copy outside the repository, where no node_modules can be found: proves the bundle
    // needs no runtime dependencies.
    isolated = mkdtempSync(join(tmpdir(), 'cli-bundle-'));
    cli = join(isolated, 'index.js');
    copyFileSync(bundle, cli);
  });
  afterAll(() => rmSync(isolated, { recursive: true, force: true }));

  const node = (...args: string[]) =>
    spawnSync(process.execPath, [cli, ...args], { cwd: isolated, encoding: 'utf8' });

  test('starts with a node shebang', () => {
    expect(readFileSync(bundle, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  test('--help exits 0 without any node_modules', () => {
    const result = node('--help');
    expect(result.stderr).not.toContain('Cannot find module');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: s3-to-sentinel [options] [command]');
  });

  test('fails with exit code 2 on a usage error', () => {
    const result = node('backfill');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("error: required option '-p, --producer <name>' not specified");
  });
});
