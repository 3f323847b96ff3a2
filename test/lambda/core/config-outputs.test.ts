// DCR_OUTPUTS: where each output of a multi-output format (networkfirewall) sends its rows.
import { loadConfig } from '../../../lambda/core/config';
import { ENV } from '../../../lambda/contract/environment';
import { ConfigurationError } from '../../../lambda/core/errors';

const OUTPUTS = {
  alert: { streamName: 'Custom-FirewallAlert', dcrImmutableIds: ['dcr-1'] },
  flow: { streamName: 'Custom-FirewallFlow', dcrImmutableIds: ['dcr-1', 'dcr-2'] },
  tls: { streamName: 'Custom-FirewallTls', dcrImmutableIds: ['dcr-1'] },
};

const firewall = {
  [ENV.producerName]: 'firewall',
  [ENV.format]: 'networkfirewall',
  [ENV.tenantId]: 'tenant',
  [ENV.clientId]: 'client',
  [ENV.logsIngestionEndpoint]: 'https://dce.example.ingest.monitor.azure.com',
  [ENV.dcrImmutableId]: 'dcr-1',
  [ENV.streamName]: 'Custom-FirewallAlert',
  [ENV.authMode]: 'federated',
  [ENV.dcrOutputs]: JSON.stringify(OUTPUTS),
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

describe('DCR_OUTPUTS', () => {
  test('reads each output of a multi-output format', () => {
    expect(loadConfig(firewall).dcrOutputs).toStrictEqual(OUTPUTS);
  });

  test('is absent from the config of a single-output format', () => {
    const { [ENV.dcrOutputs]: _unset, ...env } = firewall;
    expect(loadConfig({ ...env, [ENV.format]: 'cloudtrail' })).not.toHaveProperty('dcrOutputs');
  });

  test('trims stream names and ids', () => {
    const env = {
      ...firewall,
      [ENV.dcrOutputs]: JSON.stringify({
        ...OUTPUTS,
        tls: { streamName: ' Custom-T ', dcrImmutableIds: [' dcr-9 '] },
      }),
    };
    expect(loadConfig(env).dcrOutputs!.tls).toStrictEqual({
      streamName: 'Custom-T',
      dcrImmutableIds: ['dcr-9'],
    });
  });

  test('fails if a multi-output format has no DCR_OUTPUTS, saying what to set', () => {
    for (const value of [undefined, '', '  ']) {
      const env: NodeJS.ProcessEnv = { ...firewall, [ENV.dcrOutputs]: value };
      expect(problem(env)).toContain(
        'DCR_OUTPUTS is not set, but LOG_FORMAT networkfirewall sends rows to 3 streams (alert, flow, tls): ' +
          'set it to JSON giving each output of networkfirewall its stream and DCR immutable ids, e.g. ' +
          '{"alert":{"streamName":"Custom-…","dcrImmutableIds":["dcr-…"]},"flow":{"streamName":"Custom-…","dcrImmutableIds":["dcr-…"]},' +
          '"tls":{"streamName":"Custom-…","dcrImmutableIds":["dcr-…"]}}, from the Azure stack outputs, and redeploy the AWS stack',
      );
    }
  });

  test('fails if DCR_OUTPUTS is set for a single-output format', () => {
    expect(problem({ ...firewall, [ENV.format]: 'cloudtrail' })).toContain(
      'DCR_OUTPUTS is set, but LOG_FORMAT cloudtrail has one output: remove DCR_OUTPUTS',
    );
  });

  test.each([
    ['not JSON', '{alert:', 'DCR_OUTPUTS is not valid JSON: set it to JSON'],
    ['an array', '[]', 'DCR_OUTPUTS must be a JSON object keyed by output name'],
    ['null', 'null', 'DCR_OUTPUTS must be a JSON object keyed by output name'],
  ])('fails if DCR_OUTPUTS is %s', (_name, value, message) => {
    expect(problem({ ...firewall, [ENV.dcrOutputs]: value })).toContain(message);
  });

  test('fails if an output is missing, naming it', () => {
    const { flow: _flow, ...rest } = OUTPUTS;
    expect(problem({ ...firewall, [ENV.dcrOutputs]: JSON.stringify(rest) })).toContain(
      'DCR_OUTPUTS has no entry for output flow of networkfirewall',
    );
  });

  test('fails if an output the format does not have is named', () => {
    const env = { ...firewall, [ENV.dcrOutputs]: JSON.stringify({ ...OUTPUTS, http: OUTPUTS.alert }) };
    expect(problem(env)).toContain(
      'DCR_OUTPUTS names "http", which networkfirewall does not have (its outputs are alert, flow, tls): remove it',
    );
  });

  test.each([
    [
      { streamName: '', dcrImmutableIds: ['d'] },
      'DCR_OUTPUTS output tls: streamName must be a non-empty string',
    ],
    [{ dcrImmutableIds: ['d'] }, 'DCR_OUTPUTS output tls: streamName must be a non-empty string'],
    [
      { streamName: 'Custom-T', dcrImmutableIds: [] },
      'DCR_OUTPUTS output tls: dcrImmutableIds must be a non-empty array',
    ],
    [
      { streamName: 'Custom-T', dcrImmutableIds: 'dcr-1' },
      'DCR_OUTPUTS output tls: dcrImmutableIds must be a non-empty array',
    ],
    [
      { streamName: 'Custom-T', dcrImmutableIds: ['dcr-1', ' '] },
      'dcrImmutableIds must hold non-empty strings only',
    ],
    [
      { streamName: 'Custom-T', dcrImmutableIds: ['dcr-1', 2] },
      'dcrImmutableIds must hold non-empty strings only',
    ],
    [
      { streamName: 'Custom-T', dcrImmutableIds: ['dcr-1', 'dcr-1'] },
      'dcrImmutableIds names a DCR more than once',
    ],
    ['Custom-T', 'DCR_OUTPUTS output tls must be {"streamName": "Custom-…", "dcrImmutableIds": ["dcr-…"]}'],
  ])('fails if an output is %j', (tls, message) => {
    expect(problem({ ...firewall, [ENV.dcrOutputs]: JSON.stringify({ ...OUTPUTS, tls }) })).toContain(
      message,
    );
  });

  test('reports every problem at once, with the rest of the environment', () => {
    const { alert: _alert, ...rest } = OUTPUTS;
    const message = problem({
      ...firewall,
      [ENV.tenantId]: '',
      [ENV.dcrOutputs]: JSON.stringify({ ...rest, flow: { streamName: 'x', dcrImmutableIds: [] } }),
    });
    expect(message).toContain('AZURE_TENANT_ID is not set');
    expect(message).toContain('DCR_OUTPUTS has no entry for output alert');
    expect(message).toContain('DCR_OUTPUTS output flow: dcrImmutableIds must be a non-empty array');
  });
});
