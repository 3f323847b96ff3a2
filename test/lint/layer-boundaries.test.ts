/**
 * The import boundaries of ARCHITECTURE.md ("Layers") are ESLint rules (eslint.config.mjs,
 * layerRules): each case lints one import as if it sat in that file, with the project's config.
 * ESLint runs in a child process, once for every case: it loads its config with a dynamic import,
 * which jest's module sandbox does not allow.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

const LINT_CASES = `
const { ESLint } = require('eslint');
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
(async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const [file, source] of cases) {
    const [result] = await eslint.lintText(source + '\\nexport const used = x;\\n', { filePath: file });
    out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

/** The no-restricted-imports messages ESLint reports for each `[file, source]`. */
function boundaryErrors(cases: readonly (readonly [string, string])[]): string[][] {
  const out = execFileSync(process.execPath, ['-e', LINT_CASES], {
    cwd: ROOT,
    input: JSON.stringify(cases),
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[][];
}

const CROSSING: [string, string, string][] = [
  ['lambda/formats/x.ts', "import { x } from '../core/rows';", 'formats are pure'],
  ['lambda/formats/x.ts', "import { x } from '../io/object-reader';", 'formats are pure'],
  ['lambda/formats/x.ts', "import { x } from '@aws-sdk/client-s3';", 'formats are pure'],
  ['lambda/formats/aws/x.ts', "import { x } from '../../pipeline/rows';", 'formats are pure'],
  ['lambda/contract/x.ts', "import { x } from '../formats';", 'contract/ holds names'],
  ['lambda/core/x.ts', "import { x } from '../io/events';", 'core/'],
  ['lambda/core/x.ts', "import { x } from '@aws-sdk/client-s3';", 'core/'],
  ['lambda/io/x.ts', "import { x } from '../pipeline/deliver-object';", 'I/O edges do not know the pipeline'],
  ['lambda/io/sub/x.ts', "import { x } from '../../pipeline';", 'I/O edges do not know the pipeline'],
  ['lambda/pipeline/x.ts', "import { x } from 'aws-cdk-lib';", 'must not pull in CDK'],
  ['lib/aws/x.ts', "import { x } from '../../lambda/io/events';", 'constructs share only'],
  ['lib/aws/x.ts', "import { x } from '@aws-sdk/client-sqs';", 'constructs share only'],
];

const DOWNWARD: [string, string][] = [
  ['lambda/formats/aws/x.ts', "import { x } from '../format';"],
  ['lambda/core/x.ts', "import { x } from '../formats/time';"],
  ['lambda/io/x.ts', "import { x } from '../core/errors';"],
  ['lambda/io/x.ts', "import { x } from '@azure/core-rest-pipeline';"],
  ['lambda/pipeline/x.ts', "import { x } from '../io/events';"],
  ['lib/aws/x.ts', "import { x } from '../../lambda/formats';"],
  ['lib/aws/x.ts', "import { x } from '../../lambda/contract/environment';"],
];

describe('layer boundaries', () => {
  const errors = boundaryErrors([...CROSSING.map(([f, s]) => [f, s] as const), ...DOWNWARD]);

  test.each(CROSSING.map((c, i) => [...c, i] as const))(
    'fails if %s imports across a layer: %s',
    (_file, _source, why, i) => {
      expect(errors[i]).toHaveLength(1);
      expect(errors[i][0]).toContain('Layer boundary: ');
      expect(errors[i][0]).toContain(why);
    },
  );

  test.each(DOWNWARD.map((c, i) => [...c, CROSSING.length + i] as const))(
    'allows %s to import downward: %s',
    (_file, _source, i) => {
      expect(errors[i]).toStrictEqual([]);
    },
  );
});
