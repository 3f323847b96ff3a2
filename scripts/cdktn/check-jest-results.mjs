// Reads what `jest --json` wrote for test/azure on CDK Terrain and decides, test by test. Every test
// must pass, except where the azurerm bindings differ from the ones test/azure was written against:
// then the provider pin in required_providers differs, and exactly the tests that check it fail. Such
// a failure is accepted only if it is nothing but that pin: an equality expecting the old version
// and receiving the new one, or a snapshot whose only changed lines are the pin's "version". At least
// one such failure must occur, or the run did not use the bindings it was given.
// Usage: node check-jest-results.mjs <results.json> <label> <pin test/azure expects> <pin of the bindings>
import { readFileSync } from 'node:fs';

const [file, label, expectedPin, actualPin] = process.argv.slice(2);
const fail = (message) => {
  console.error(`cdktn-check: ${label}: ${message}`);
  process.exit(1);
};

let results;
try {
  results = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
  fail(`jest wrote no readable results (${e.message}); its log is above`);
}

// eslint-disable-next-line no-control-regex
const plain = (text) => text.replace(/\u001b\[[0-9;]*m/g, '');
// The message without its stack trace (lines "    at …").
const withoutStack = (message) =>
  plain(message)
    .split('\n')
    .filter((l) => !/^\s+at /.test(l))
    .join('\n')
    .trim();
const quoted = (s) => s.replace(/\./g, '\\.');

/** Whether the failure is an equality on the pin alone: `expect(…).toBe('<expected>')` received the new one. */
function isPinEquality(message) {
  const pattern = new RegExp(
    `^(Error: )?expect\\(received\\)\\.(toBe|toEqual|toStrictEqual)\\(expected\\).*\\n\\n` +
      `Expected: "${quoted(expectedPin)}"\\nReceived: "${quoted(actualPin)}"\\n`,
  );
  return pattern.test(withoutStack(message) + '\n');
}

/** Whether the failure is a snapshot whose changed lines are the pin's "version" line, old and new. */
function isPinSnapshot(message) {
  const text = withoutStack(message);
  if (!/^(Error: )?expect\(received\)\.toMatchSnapshot\(\)/.test(text)) return false;
  const changed = text
    .split('\n')
    .filter((l) => /^[-+] /.test(l) && !/^[-+] (Snapshot|Received) +[-+] \d+$/.test(l))
    .map((l) => [l[0], l.slice(1).trim()]);
  const removed = changed.filter(([sign]) => sign === '-').map(([, l]) => l);
  const added = changed.filter(([sign]) => sign === '+').map(([, l]) => l);
  return (
    removed.length > 0 &&
    removed.length === added.length &&
    removed.every((l) => l === `"version": "${expectedPin}",`) &&
    added.every((l) => l === `"version": "${actualPin}",`)
  );
}

const problems = [];
const pinOnly = [];
let passed = 0;
for (const suite of results.testResults ?? []) {
  const assertions = suite.assertionResults ?? [];
  // A file that failed outside any test (it did not load, a hook threw) has no failed assertion.
  if (suite.status === 'failed' && !assertions.some((a) => a.status === 'failed')) {
    problems.push(`${suite.name} failed to run:\n${plain(suite.message ?? '').trim()}`);
  }
  for (const test of assertions) {
    if (test.status === 'passed') passed++;
    if (test.status !== 'failed') continue;
    const messages = test.failureMessages ?? [];
    const explained =
      expectedPin !== actualPin &&
      messages.length > 0 &&
      messages.every((m) => isPinEquality(m) || isPinSnapshot(m));
    if (explained) pinOnly.push(test.fullName);
    else problems.push(`${test.fullName}:\n${messages.map(withoutStack).join('\n')}`);
  }
}

if (results.numTotalTests === 0 || passed === 0)
  problems.push('jest ran no test: is test/azure still there?');
if (expectedPin !== actualPin && pinOnly.length === 0 && problems.length === 0) {
  problems.push(
    `no test failed on the azurerm pin, though test/azure expects ${expectedPin} and the bindings pin ` +
      `${actualPin}: either the run did not load these bindings or no test checks the pin any more`,
  );
}
if (problems.length > 0) {
  const allowed =
    expectedPin === actualPin ? '' : ` (only the azurerm pin may differ: ${expectedPin} → ${actualPin})`;
  fail(`test/azure does not pass on CDK Terrain${allowed}:\n\n${problems.join('\n\n')}`);
}
console.log(
  `cdktn-check: ${label}: test/azure ${passed} passed` +
    (pinOnly.length === 0
      ? ''
      : `; ${pinOnly.length} failed on the azurerm pin alone (${expectedPin} → ${actualPin}), as they must: ` +
        pinOnly.map((n) => `"${n}"`).join(', ')),
);
