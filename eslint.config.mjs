// Flat config: typescript-eslint's recommended rules, with Prettier owning formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.build/',
      '.bench/',
      '.s3rver/',
      'cdk.out/',
      'cdktf.out/',
      '.cdktf/',
      'coverage/',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports (STYLE.md).' },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-restricted-syntax': 'off' },
  },
  // Import boundaries (ARCHITECTURE.md, "Layers"): each layer may import only the layers below it.
  // A rule set for a path replaces the one for its parent, so every set repeats what lambda/ forbids.
  ...layerRules(),
);

/** no-restricted-imports per layer, from the table below. */
function layerRules() {
  // The runtime must not pull CDK into the Lambda bundle.
  const runtime = ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdktf', '@cdktf/*'];
  const sdks = ['@aws-sdk/*', '@azure/*', '@aws-lambda-powertools/*'];
  // Every other part of the tree, by folder name, wherever the importing file sits.
  const outside = (...layers) => layers.flatMap((layer) => [`**/${layer}`, `**/${layer}/*`]);
  const layers = [
    { files: ['lambda/**/*.ts'], forbid: runtime, why: 'the Lambda bundle must not pull in CDK' },
    {
      files: ['lambda/contract/**/*.ts'],
      forbid: [...runtime, ...sdks, ...outside('formats', 'core', 'io', 'pipeline', 'lib', 'bin', 'cli')],
      why: 'contract/ holds names lib/ and lambda/ share: plain constants that import nothing',
    },
    {
      files: ['lambda/formats/**/*.ts'],
      forbid: [...runtime, ...sdks, ...outside('contract', 'core', 'io', 'pipeline', 'lib', 'bin', 'cli')],
      why: 'formats are pure (text or bytes in, rows and columns out) and import nothing outside lambda/formats',
    },
    {
      files: ['lambda/core/**/*.ts'],
      forbid: [...runtime, '@aws-sdk/*', '@azure/*', ...outside('io', 'pipeline')],
      why: 'core/ (errors, config, telemetry, rows) sits below the I/O edges and the pipeline, and calls no SDK',
    },
    {
      files: ['lambda/io/**/*.ts'],
      forbid: [...runtime, ...outside('pipeline')],
      why: 'the I/O edges do not know the pipeline that drives them',
    },
    {
      files: ['lib/**/*.ts'],
      forbid: [...sdks, '**/lambda/core/*', '**/lambda/io/*', '**/lambda/pipeline/*'],
      why: 'the constructs share only lambda/formats and lambda/contract with the runtime, never an SDK',
    },
  ];
  return layers.map(({ files, forbid, why }) => ({
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: forbid, message: `Layer boundary: ${why}.` }] },
      ],
    },
  }));
}
