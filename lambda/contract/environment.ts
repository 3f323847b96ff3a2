/**
 * The forwarder's whole contract with the construct that deploys it: these environment variables
 * and nothing else. Plain constants, so `lib/aws` can import them without importing runtime code.
 */
export const ENV = {
  /** The producer's name, on every log line and metric. */
  producerName: 'PRODUCER_NAME',
  /**
   * The format that parses this producer's objects (`lambda/formats`), or `auto`: each object's
   * format is chosen by its key (FORMAT_ROUTES, then the default routes of
   * `lambda/formats/routes.ts`), and DCR_OUTPUTS is required.
   */
  format: 'LOG_FORMAT',
  /**
   * With LOG_FORMAT `auto` only (refused otherwise), optional: the producer's own routes, tried
   * before the default routes, as a JSON array `[{"match": "<RegExp source>", "format": "<format>",
   * "description": "…"}, …]` (`FormatRoute`; checked by `compileRoutes`). Unset: the defaults only.
   */
  formatRoutes: 'FORMAT_ROUTES',
  /**
   * Optional: options of the formats that take some (`FormatDefinition.options`; today `csv`:
   * `{"delimiter": ";"}`), as JSON. With a single LOG_FORMAT, that format's options; with `auto`, an
   * object keyed by format name (`{"csv": {"delimiter": "|"}}`). Checked at load by each format;
   * refused for a format that takes none. Unset: every format's defaults.
   */
  formatOptions: 'FORMAT_OPTIONS',
  tenantId: 'AZURE_TENANT_ID',
  clientId: 'AZURE_CLIENT_ID',
  /** The DCE's logs ingestion URL. */
  logsIngestionEndpoint: 'LOGS_INGESTION_ENDPOINT',
  dcrImmutableId: 'DCR_IMMUTABLE_ID',
  /**
   * A producer with `shards` > 1: every DCR's immutable id, comma-separated, the first being
   * DCR_IMMUTABLE_ID's; the forwarder spreads its batches across them. Unset for one DCR.
   */
  dcrImmutableIds: 'DCR_IMMUTABLE_IDS',
  streamName: 'DCR_STREAM_NAME',
  /**
   * A producer whose format has several outputs (`FormatDefinition.outputs`, e.g. `networkfirewall`:
   * `alert`, `flow`, `tls`), or whose LOG_FORMAT is `auto`: where each output's rows go, as JSON
   * `{"<output>": {"streamName": "Custom-…", "dcrImmutableIds": ["dcr-…", …]}, …}` ({@link DcrOutputs}).
   * Exactly the format's outputs, each with a non-empty stream name and at least one DCR immutable
   * id (several: shards of that output, each DCR declaring the stream); outputs may share a DCR
   * (one DCR with a data flow per stream). Required for such a format and refused for any other.
   * DCR_IMMUTABLE_ID and DCR_STREAM_NAME stay required; set them to the first output's (the
   * format's own `columns` and `builtinTable` are the first output's): no row is sent to them.
   *
   * With LOG_FORMAT `auto`, the keys are exactly `autoOutputKeyNames(routes)`
   * (`lambda/formats/routes.ts`, routes from FORMAT_ROUTES): `<format>` for each single-output
   * format the routes (the producer's and the defaults) reach, `<format>.<output>` for each output
   * of a multi-output one (`networkfirewall.alert`), and `unrouted` for objects no route matches.
   * DCR_IMMUTABLE_ID and DCR_STREAM_NAME: the first key's, as above.
   */
  dcrOutputs: 'DCR_OUTPUTS',
  /** `secret` (client secret in SSM) or `federated` (AWS outbound identity federation). */
  authMode: 'AZURE_AUTH_MODE',
  /** Name of the SSM SecureString parameter holding the client secret (secret mode). */
  clientSecretParameter: 'CLIENT_SECRET_PARAMETER',
  /** Seconds the secret is cached before it is read again. */
  secretTtlSeconds: 'CLIENT_SECRET_TTL_SECONDS',
  /** Parallel uploads per object (LogsIngestionClient maxConcurrency). */
  uploadConcurrency: 'UPLOAD_CONCURRENCY',
  /** The notification queue: failed messages get a growing visibility timeout on it. */
  queueUrl: 'SOURCE_QUEUE_URL',
  /** Permanent failures are sent here at once, with their reason, instead of being retried. */
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
} as const;

/** The audience Entra ID expects on a federated credential's token (AWS outbound identity federation). */
export const ENTRA_TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

export type AuthMode = 'secret' | 'federated';

/** Where one output of a multi-output format sends its rows: one value of DCR_OUTPUTS. */
export interface DcrOutputTarget {
  /** The DCR stream declared for the output's columns (`Custom-…`). */
  readonly streamName: string;
  /** Every DCR declaring that stream (shards): batches are spread across them. Non-empty, distinct. */
  readonly dcrImmutableIds: readonly string[];
}

/** The value of DCR_OUTPUTS, parsed: output name → its stream and DCRs. `JSON.stringify` writes it. */
export type DcrOutputs = Readonly<Record<string, DcrOutputTarget>>;
