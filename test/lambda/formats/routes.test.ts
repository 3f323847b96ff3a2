// `format: 'auto'`: routing objects to formats by their key (lambda/formats/routes.ts).
import {
  AUTO_FORMAT,
  DEFAULT_ROUTES,
  UNROUTED_FORMAT,
  UNROUTED_OUTPUT,
  autoOutputKey,
  autoOutputKeyNames,
  autoOutputKeys,
  builtinTableOf,
  columnsOf,
  compileRoutes,
  isLogFormat,
  matchRoute,
  objectRoute,
  outputNamesOf,
  routeFor,
  type FormatName,
  type FormatRoute,
} from '../../../lambda/formats';

/**
 * Real-looking keys, as AWS writes them (the layouts documented in routes.ts), each with the format
 * it must route to. Every default route is matched by at least one (checked below).
 */
const AWS_KEYS: readonly (readonly [string, FormatName])[] = [
  // CloudTrail, account trail, with and without a user prefix
  [
    'AWSLogs/123456789012/CloudTrail/us-east-1/2026/01/02/123456789012_CloudTrail_us-east-1_20260102T0305Z_AbCdEfGhIjKlMnOp.json.gz',
    'cloudtrail',
  ],
  [
    'org-archive/AWSLogs/o-a1b2c3d4e5/123456789012/CloudTrail/eu-west-1/2026/01/02/123456789012_CloudTrail_eu-west-1_20260102T0305Z_Xyz0123456789abc.json.gz',
    'cloudtrail',
  ],
  [
    'AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/01/02/123456789012_CloudTrail-Digest_us-east-1_management-trail_us-east-1_20260102T030512Z.json.gz',
    'cloudtrail',
  ],
  [
    'AWSLogs/o-a1b2c3d4e5/123456789012/CloudTrail-Insight/us-east-1/2026/01/02/123456789012_CloudTrail-Insight_us-east-1_20260102T0305Z_q1w2e3r4t5y6u7i8.json.gz',
    'cloudtrail',
  ],
  [
    'flow/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/01/02/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20260102T0305Z_fe123456.log.gz',
    'vpcflow',
  ],
  [
    'AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=01/day=02/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20260102T0305Z_fe123456.log.gz',
    'vpcflow',
  ],
  [
    'AWSLogs/123456789012/elasticloadbalancing/us-east-2/2026/01/02/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20260102T0305Z_172.160.001.192_20sg8hgm.log.gz',
    'alb',
  ],
  [
    'AWSLogs/123456789012/elasticloadbalancing/us-east-2/2026/01/02/123456789012_elasticloadbalancing_us-east-2_net.my-loadbalancer.1234567890abcdef_20260102T0305Z_5b8c1d2e.log.gz',
    'nlb',
  ],
  [
    'elb/AWSLogs/123456789012/elasticloadbalancing/us-west-2/2026/01/02/123456789012_elasticloadbalancing_us-west-2_my-classic-lb_20260102T0305Z_172.160.001.192_20sg8hgm.log',
    'clb',
  ],
  ['AWSLogs/123456789012/ELBAccessLogTestFile', 'alb'],
  [
    'guardduty/AWSLogs/123456789012/GuardDuty/us-east-1/2026/01/02/0c0a4a2b-8b8d-3f5e-9a5e-3d1e2b9c7a6f.jsonl.gz',
    'guardduty',
  ],
  [
    'AWSLogs/123456789012/network-firewall/alert/us-east-1/test-firewall/2026/01/02/03/123456789012_network-firewall_alert_us-east-1_test-firewall_202601020305_a1b2c3d4.log.gz',
    'networkfirewall',
  ],
  [
    'AWSLogs/123456789012/WAFLogs/us-east-1/my-web-acl/2026/01/02/03/05/123456789012_waflogs_us-east-1_my-web-acl_20260102T0305Z_a1b2c3d4.log.gz',
    'waf',
  ],
  [
    'AWSLogs/123456789012/vpcdnsquerylogs/vpc-0123456789abcdef0/2026/01/02/123456789012_vpcdnsquerylogs_vpc-0123456789abcdef0_20260102T0305Z_71584702.log.gz',
    'route53resolver',
  ],
  ['cdn-logs/E2EXAMPLE12345.2026-01-02-03.a1b2c3d4.gz', 'cloudfront'],
  ['E2EXAMPLE12345.2026-01-02-03.a1b2c3d4.gz', 'cloudfront'],
];

/** Keys no default route claims: user-chosen prefixes and files AWS lays out otherwise. */
const UNMATCHED_KEYS: readonly string[] = [
  // S3 server access logs (user prefix, no fixed layout)
  'access-logs/2026-01-02-03-04-05-1A2B3C4D5E6F7A8B',
  // Firehose delivery of Security Hub findings / CloudWatch Logs (user prefix)
  'securityhub/2026/01/02/03/firehose-securityhub-1-2026-01-02-03-04-05-a1b2c3d4',
  // an ALB connection log: another layout than access logs
  'AWSLogs/123456789012/elasticloadbalancing/us-east-2/2026/01/02/conn_log.123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20260102T0305Z_172.160.001.192_20sg8hgm.log.gz',
  // a Parquet flow log is not text
  'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/01/02/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20260102T0305Z_fe123456.log.parquet',
  // the service name somewhere else than after AWSLogs/<account>/
  'exports/CloudTrail/2026/01/02/trail.json.gz',
  'AWSLogs/not-an-account/CloudTrail/us-east-1/x.json.gz',
  'app/service.log',
];

describe('DEFAULT_ROUTES', () => {
  test.each(AWS_KEYS)('routes %s', (key, format) => {
    expect(routeFor(key)).toBe(format);
  });

  test.each(UNMATCHED_KEYS)('leaves %s to producer routes', (key) => {
    expect(routeFor(key)).toBeUndefined();
  });

  test('every default route is matched by a key of the test', () => {
    const used = new Set(AWS_KEYS.map(([key]) => matchRoute(key)));
    expect(DEFAULT_ROUTES.filter((route) => !used.has(route))).toStrictEqual([]);
  });

  test('every default route is valid, described and frozen', () => {
    expect(compileRoutes(DEFAULT_ROUTES).problems).toStrictEqual([]);
    for (const route of DEFAULT_ROUTES) {
      expect(route.description).toEqual(expect.any(String));
      expect(Object.isFrozen(route)).toBe(true);
    }
    expect(Object.isFrozen(DEFAULT_ROUTES)).toBe(true);
  });

  test('ELB files go by the load balancer id in their name, whatever the directory says', () => {
    const dir = 'AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2026/01/02/';
    const file = (lb: string) =>
      `${dir}123456789012_elasticloadbalancing_eu-west-1_${lb}_20260102T0305Z_10.0.0.1_abc.log.gz`;
    expect(routeFor(file('app.net-frontend.0123456789abcdef'))).toBe('alb');
    expect(routeFor(file('net.app-backend.0123456789abcdef'))).toBe('nlb');
    expect(routeFor(file('app-classic'))).toBe('clb');
    expect(routeFor(file('net-classic'))).toBe('clb');
  });
});

describe('routeFor', () => {
  const routes: FormatRoute[] = [
    { match: '^access-logs/', format: 's3access' },
    { match: '^securityhub/', format: 'securityhub' },
    // A producer route wins over a default that matches the same key.
    { match: '/CloudTrail/eu-west-1/', format: 'text', description: 'kept as text' },
  ];

  test("the producer's routes come first, then the defaults", () => {
    expect(routeFor('access-logs/2026-01-02-03-04-05-1A2B3C4D5E6F7A8B', routes)).toBe('s3access');
    expect(routeFor('securityhub/2026/01/02/03/firehose-1', routes)).toBe('securityhub');
    expect(routeFor(AWS_KEYS[1][0], routes)).toBe('text');
    expect(routeFor(AWS_KEYS[0][0], routes)).toBe('cloudtrail');
  });

  test('the first matching route wins', () => {
    const two: FormatRoute[] = [
      { match: '^logs/', format: 'ndjson' },
      { match: '^logs/app', format: 'json' },
    ];
    expect(routeFor('logs/app.json', two)).toBe('ndjson');
    expect(matchRoute('logs/app.json', two)).toBe(two[0]);
  });

  test('is a pure function of the key: the same answer every time', () => {
    for (const [key] of [...AWS_KEYS, ['app/service.log'] as const]) {
      const first = matchRoute(key, routes);
      expect(matchRoute(key, routes)).toBe(first);
      expect(matchRoute(key, [...routes])).toBe(first);
    }
  });
});

describe('objectRoute', () => {
  test('a routed object: its format, rows keyed by format or format.output', () => {
    const firewall = objectRoute(AWS_KEYS[11][0]);
    expect(firewall.format).toBe('networkfirewall');
    expect(firewall.outputKey('alert')).toBe('networkfirewall.alert');
    const trail = objectRoute(AWS_KEYS[0][0]);
    expect(trail.format).toBe('cloudtrail');
    expect(trail.route).toBe(DEFAULT_ROUTES[0]);
    expect(trail.outputKey(undefined)).toBe('cloudtrail');
  });

  test('an unmatched object: text, every row to unrouted', () => {
    const route = objectRoute('app/service.log');
    expect(route).toStrictEqual({ format: UNROUTED_FORMAT, outputKey: expect.any(Function) });
    expect(UNROUTED_FORMAT).toBe('text');
    expect(route.outputKey(undefined)).toBe(UNROUTED_OUTPUT);
  });

  test('autoOutputKey spells single- and multi-output keys', () => {
    expect(autoOutputKey('vpcflow')).toBe('vpcflow');
    expect(autoOutputKey('networkfirewall', 'tls')).toBe('networkfirewall.tls');
  });
});

describe('autoOutputKeys', () => {
  test('the defaults reach these keys, each with its columns and built-in table, then unrouted', () => {
    const keys = autoOutputKeys();
    expect(keys.map((k) => k.key)).toStrictEqual([
      'cloudtrail',
      'vpcflow',
      'alb',
      'nlb',
      'clb',
      'guardduty',
      'networkfirewall.alert',
      'networkfirewall.flow',
      'networkfirewall.tls',
      'waf',
      'route53resolver',
      'cloudfront',
      'unrouted',
    ]);
    for (const key of keys) {
      if (key.key === UNROUTED_OUTPUT) {
        expect(key).toStrictEqual({ key: 'unrouted', format: 'text', columns: columnsOf('text') });
        continue;
      }
      expect(key.columns).toStrictEqual(columnsOf(key.format, key.output));
      expect(key.builtinTable).toBe(builtinTableOf(key.format, key.output));
      expect(key.key).toBe(autoOutputKey(key.format, key.output));
    }
    // CLB and CloudFront have no built-in table: their keys carry none.
    expect(keys.find((k) => k.key === 'clb')).not.toHaveProperty('builtinTable');
    expect(keys.find((k) => k.key === 'cloudtrail')!.builtinTable!.name).toBe('AWSCloudTrail');
  });

  test("the producer's formats come first; the defaults again add nothing", () => {
    const routes: FormatRoute[] = [
      { match: '^access-logs/', format: 's3access' },
      { match: '^fw/', format: 'networkfirewall' },
      { match: '^app/', format: 'ndjson' },
    ];
    const names = autoOutputKeyNames(routes);
    expect(names.slice(0, 5)).toStrictEqual([
      's3access',
      ...outputNamesOf('networkfirewall').map((o) => `networkfirewall.${o}`),
      'ndjson',
    ]);
    expect(names.at(-1)).toBe('unrouted');
    expect(new Set(names).size).toBe(names.length);
    expect(autoOutputKeyNames([...routes, ...DEFAULT_ROUTES])).toStrictEqual(names);
  });

  test('every key a route can produce is listed', () => {
    const names = new Set(autoOutputKeyNames());
    for (const [key] of [...AWS_KEYS, ...UNMATCHED_KEYS.map((k) => [k] as const)]) {
      const route = objectRoute(key);
      const outputs = outputNamesOf(route.format);
      for (const output of outputs.length > 0 ? outputs : [undefined]) {
        expect(names).toContain(route.outputKey(output));
      }
    }
  });
});

describe('compileRoutes', () => {
  test('returns valid routes as given, frozen', () => {
    const given = [
      { match: '^a/', format: 'ndjson' },
      { match: '^b/', format: 'json', description: 'exports' },
    ];
    const compiled = compileRoutes(given, 'FORMAT_ROUTES');
    expect(compiled).toStrictEqual({ routes: given, problems: [] });
    expect(Object.isFrozen(compiled.routes[0])).toBe(true);
  });

  test('fails if the value is not an array', () => {
    expect(compileRoutes({ match: 'x', format: 'text' }, 'FORMAT_ROUTES').problems).toStrictEqual([
      'FORMAT_ROUTES must be an array of routes, each {"match": "<RegExp source tested against the object key>", "format": "<format>"}',
    ]);
  });

  test('fails on every bad route at once, naming each route and the fix', () => {
    const { routes, problems } = compileRoutes(
      [
        { match: '^ok/', format: 'text' },
        { match: '^logs/(', format: 'text' },
        { match: '^x/', format: 'parquet' },
        { match: '^y/', format: AUTO_FORMAT },
        { match: '', format: 'text' },
        'text',
        { match: '^z/', format: 'text', prefix: 'z/' },
      ],
      'FORMAT_ROUTES',
    );
    expect(routes).toStrictEqual([]);
    expect(problems).toHaveLength(6);
    expect(problems[0]).toMatch(
      /^FORMAT_ROUTES route 2 \(match "\^logs\/\("\): match is not a valid JavaScript regular expression \(.+\); escape special characters/,
    );
    expect(problems[1]).toMatch(
      /^FORMAT_ROUTES route 3 \(match "\^x\/"\): format "parquet" is not a known format; use one of cloudtrail, /,
    );
    expect(problems[2]).toMatch(/^FORMAT_ROUTES route 4 \(match "\^y\/"\): format cannot be auto /);
    expect(problems[3]).toBe(
      'FORMAT_ROUTES route 5 (match ""): match must be a non-empty RegExp source, e.g. "^app-logs/"',
    );
    expect(problems[4]).toMatch(/^FORMAT_ROUTES route 6 must be an object /);
    expect(problems[5]).toBe(
      'FORMAT_ROUTES route 7 (match "^z/") has unknown field "prefix": a route has only match, format and description',
    );
  });

  test('isLogFormat accepts every format and auto', () => {
    expect(isLogFormat('auto')).toBe(true);
    expect(isLogFormat('cloudtrail')).toBe(true);
    expect(isLogFormat('parquet')).toBe(false);
  });
});
