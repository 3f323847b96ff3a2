// LOG_FORMAT=auto: FORMAT_ROUTES and the DCR_OUTPUTS keys it requires (lambda/formats/routes.ts).
import { loadConfig } from '../../../lambda/core/config';
import { ENV } from '../../../lambda/contract/environment';
import { ConfigurationError } from '../../../lambda/core/errors';
import { autoOutputKeyNames, type FormatRoute } from '../../../lambda/formats';

/** A target per key, all on one DCR. */
function outputsFor(
  keys: readonly string[],
): Record<string, { streamName: string; dcrImmutableIds: string[] }> {
  return Object.fromEntries(
    keys.map((k) => [k, { streamName: `Custom-Archive-${k}`, dcrImmutableIds: ['dcr-1'] }]),
  );
}

const ROUTES: FormatRoute[] = [
  { match: '^access-logs/', format: 's3access', description: 'server access logs' },
  { match: '^app/', format: 'ndjson' },
];

const archive = {
  [ENV.producerName]: 'archive',
  [ENV.format]: 'auto',
  [ENV.tenantId]: 'tenant',
  [ENV.clientId]: 'client',
  [ENV.logsIngestionEndpoint]: 'https://dce.example.ingest.monitor.azure.com',
  [ENV.dcrImmutableId]: 'dcr-1',
  [ENV.streamName]: 'Custom-Archive-cloudtrail',
  [ENV.authMode]: 'federated',
  [ENV.dcrOutputs]: JSON.stringify(outputsFor(autoOutputKeyNames())),
};

const withRoutes = {
  ...archive,
  [ENV.formatRoutes]: JSON.stringify(ROUTES),
  [ENV.dcrOutputs]: JSON.stringify(outputsFor(autoOutputKeyNames(ROUTES))),
};

/** The message loadConfig throws for `env`, or fails the test. */
function problem(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('LOG_FORMAT auto', () => {
  test('without FORMAT_ROUTES: the default routes only, DCR_OUTPUTS keyed by their output keys', () => {
    const config = loadConfig(archive);
    expect(config.format).toBe('auto');
    expect(config.routes).toStrictEqual([]);
    expect(Object.keys(config.dcrOutputs!)).toStrictEqual(autoOutputKeyNames());
    expect(config.dcrOutputs!['networkfirewall.alert']).toStrictEqual({
      streamName: 'Custom-Archive-networkfirewall.alert',
      dcrImmutableIds: ['dcr-1'],
    });
  });

  test("with FORMAT_ROUTES: the producer's routes, and the keys of their formats too", () => {
    const config = loadConfig(withRoutes);
    expect(config.routes).toStrictEqual(ROUTES);
    expect(Object.keys(config.dcrOutputs!)).toEqual(
      expect.arrayContaining(['s3access', 'ndjson', 'unrouted']),
    );
  });

  test('an empty FORMAT_ROUTES is no routes', () => {
    expect(loadConfig({ ...archive, [ENV.formatRoutes]: ' ' }).routes).toStrictEqual([]);
  });

  test('fails if DCR_OUTPUTS is not set, naming every key it needs', () => {
    const { [ENV.dcrOutputs]: _unset, ...env } = archive;
    const message = problem(env);
    expect(message).toContain('DCR_OUTPUTS is not set, but LOG_FORMAT auto (');
    expect(message).toContain(
      `sends rows to ${autoOutputKeyNames().length} streams (${autoOutputKeyNames().join(', ')})`,
    );
    expect(message).toContain('"networkfirewall.flow":{"streamName":"Custom-…"');
  });

  test("fails if DCR_OUTPUTS misses the keys of the producer's routes", () => {
    const message = problem({ ...archive, [ENV.formatRoutes]: JSON.stringify(ROUTES) });
    expect(message).toContain('DCR_OUTPUTS has no entry for output key s3access, ndjson of LOG_FORMAT auto:');
  });

  test('fails if DCR_OUTPUTS names a key no route reaches', () => {
    const message = problem({
      ...archive,
      [ENV.dcrOutputs]: JSON.stringify(outputsFor([...autoOutputKeyNames(), 'networkfirewall', 'json'])),
    });
    expect(message).toContain(
      'DCR_OUTPUTS names "networkfirewall", "json", which LOG_FORMAT auto does not have (its output keys are cloudtrail, ',
    );
    expect(message).toContain('): remove them');
  });

  test('fails if a key has no stream', () => {
    const outputs = outputsFor(autoOutputKeyNames());
    const message = problem({
      ...archive,
      [ENV.dcrOutputs]: JSON.stringify({ ...outputs, unrouted: { dcrImmutableIds: ['dcr-1'] } }),
    });
    expect(message).toContain('DCR_OUTPUTS output key unrouted: streamName must be a non-empty string');
  });

  test('fails if FORMAT_ROUTES is not JSON, naming the variable and the fix', () => {
    expect(problem({ ...archive, [ENV.formatRoutes]: '[{match: "x"}]' })).toContain(
      'FORMAT_ROUTES is not valid JSON: set it to a JSON array such as [{"match": "^app/", "format": "ndjson"}]',
    );
  });

  test('fails if a route is invalid, naming the variable and the route', () => {
    const message = problem({
      ...archive,
      [ENV.formatRoutes]: JSON.stringify([
        { match: '^app/[', format: 'ndjson' },
        { match: '^x/', format: 'auto' },
      ]),
    });
    expect(message).toContain(
      'FORMAT_ROUTES route 1 (match "^app/["): match is not a valid JavaScript regular expression',
    );
    expect(message).toContain('FORMAT_ROUTES route 2 (match "^x/"): format cannot be auto');
  });

  test('fails if FORMAT_ROUTES is set for a single format', () => {
    const env = { ...withRoutes, [ENV.format]: 'cloudtrail' };
    const { [ENV.dcrOutputs]: _unset, ...single } = env;
    expect(problem(single)).toContain(
      'FORMAT_ROUTES is set, but LOG_FORMAT is cloudtrail: remove FORMAT_ROUTES (routes choose each ' +
        "object's format only with LOG_FORMAT auto), or set LOG_FORMAT to auto",
    );
  });

  test('fails if LOG_FORMAT is unknown, listing auto among the choices', () => {
    expect(problem({ ...archive, [ENV.format]: 'automatic' })).toMatch(
      /LOG_FORMAT \("automatic"\) must be one of cloudtrail, .*, text(, \w+)* or auto/,
    );
  });
});

describe('FORMAT_OPTIONS', () => {
  const csv = { ...archive, [ENV.format]: 'csv' };
  delete (csv as Record<string, string | undefined>)[ENV.dcrOutputs];

  test("a single format's options, checked by the format", () => {
    expect(loadConfig({ ...csv, [ENV.formatOptions]: '{"delimiter": ";"}' }).formatOptions).toStrictEqual({
      csv: { delimiter: ';' },
    });
    expect(loadConfig(csv)).not.toHaveProperty('formatOptions');
  });

  test('with auto, keyed by format name', () => {
    const config = loadConfig({ ...archive, [ENV.formatOptions]: '{"csv": {"delimiter": "|"}}' });
    expect(config.formatOptions).toStrictEqual({ csv: { delimiter: '|' } });
  });

  test('fails if an option is refused by the format, naming the variable', () => {
    expect(problem({ ...csv, [ENV.formatOptions]: '{"delimiter": ":"}' })).toContain(
      'FORMAT_OPTIONS (LOG_FORMAT csv): csv delimiter ":" is not supported; use one of ",", "\\t", ";", "|"',
    );
    expect(problem({ ...archive, [ENV.formatOptions]: '{"csv": {"quote": "\'"}}' })).toContain(
      'FORMAT_OPTIONS csv: csv options have unknown field "quote"',
    );
  });

  test('fails if the format takes no options', () => {
    const env = { ...archive, [ENV.format]: 'ndjson' };
    delete (env as Record<string, string | undefined>)[ENV.dcrOutputs];
    expect(problem({ ...env, [ENV.formatOptions]: '{"delimiter": ";"}' })).toContain(
      'FORMAT_OPTIONS (LOG_FORMAT ndjson) gives options to ndjson, which takes none (formats with options: csv): remove FORMAT_OPTIONS',
    );
    expect(problem({ ...archive, [ENV.formatOptions]: '{"waf": {}, "xml": {}}' })).toMatch(
      /FORMAT_OPTIONS waf gives options to waf, which takes none .*remove that entry; FORMAT_OPTIONS names "xml", which is not a format/,
    );
  });

  test('fails if it is not JSON, or not keyed by format with auto', () => {
    expect(problem({ ...csv, [ENV.formatOptions]: 'delimiter=;' })).toContain(
      'FORMAT_OPTIONS is not valid JSON: set it to the format\'s options as JSON, e.g. {"delimiter": ";"} for csv',
    );
    expect(problem({ ...archive, [ENV.formatOptions]: '[]' })).toContain(
      'FORMAT_OPTIONS must be an object keyed by format name with LOG_FORMAT auto',
    );
  });
});
