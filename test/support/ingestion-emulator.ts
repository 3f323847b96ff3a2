/**
 * A Logs Ingestion API emulator on loopback that speaks the real protocol to the real
 * `@azure/monitor-ingestion` client: HTTPS (the Azure SDK refuses bearer tokens over plain HTTP)
 * with a throwaway self-signed certificate made at start-up, `POST
 * /dataCollectionRules/{immutableId}/streams/{stream}?api-version=2023-01-01`, a bearer token,
 * gzip bodies, 204 on success, 413 over 1 MB, 400 for rows that don't match the stream
 * declaration, 404 for an unknown DCR or stream, and injectable faults. Optionally it hosts several
 * DCRs and enforces Azure's per-DCR limits on requests and bytes a minute (429 with Retry-After).
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { AccessToken, TokenCredential } from '@azure/identity';
import type { LogsIngestionClientOptions } from '@azure/monitor-ingestion';
import { ENV } from '../../lambda/contract/environment';
import { selfSignedCertificate } from './self-signed-certificate';
import { builtinMismatches, type BuiltinTable, type Column } from '../../lambda/formats';

/** The API's request size limit. Azure documents 1 MB for the call, compressed or not. */
export const INGESTION_MAX_BYTES = 1024 * 1024;

/**
 * Azure's per-DCR limits on the Logs Ingestion API, each answered beyond with 429 and a
 * `Retry-After` header: 12,000 requests a minute and 2 GB a minute
 * (https://learn.microsoft.com/azure/azure-monitor/service-limits#logs-ingestion-api).
 */
export const DCR_REQUESTS_PER_MINUTE = 12_000;
/**
 * The page gives the 2 GB "for both compressed and uncompressed data", as it does the 1 MB call
 * limit, without saying which size is measured. The emulator counts the decompressed size, the
 * larger one, so a sender that stays under it stays under either reading. GB is read as 1024³, as
 * {@link INGESTION_MAX_BYTES} reads MB.
 */
export const DCR_BYTES_PER_MINUTE = 2 * 1024 ** 3;

/** The sliding window the per-DCR limits are counted over. */
const LIMIT_WINDOW_MS = 60_000;

/** What one DCR took and refused since start (or the last `reset`). */
export interface DcrCounters {
  /** Requests answered 204. */
  readonly acceptedRequests: number;
  /** Their decompressed bytes: what the bytes-a-minute limit counts. */
  readonly acceptedBytes: number;
  /** Their bytes as sent (gzip). */
  readonly acceptedCompressedBytes: number;
  /** Requests answered 429 by the per-DCR limits (injected faults are not counted). */
  readonly throttled: number;
}

/** The limits one DCR enforces, after `scale`. */
export interface DcrBudget {
  readonly requestsPerMinute: number;
  readonly bytesPerMinute: number;
}

/** A fault the next matching request gets instead of normal handling. */
export interface Fault {
  /** HTTP status to answer with (429, 500, 401, 403, ...). */
  readonly status?: number;
  /** Seconds, sent as `Retry-After`. */
  readonly retryAfter?: number;
  /** Destroy the socket without answering (the client sees ECONNRESET). */
  readonly reset?: boolean;
}

/** One request the emulator received. */
export interface ReceivedRequest {
  readonly stream: string;
  readonly status: number;
  readonly rows: number;
  /** Body size as sent (gzip) and after decompression. */
  readonly compressedBytes: number;
  readonly bytes: number;
  readonly contentEncoding: string | undefined;
  readonly apiVersion: string | null;
  /**
   * `Date.now()` when the request arrived (before its body was read): lets tests assert on the
   * spacing of requests the emulator saw — e.g. a retry waiting out Retry-After — rather than on
   * how long the test took, which a loaded machine stretches.
   */
  readonly receivedAt: number;
  /** The DCR named in the path ('' when the path names none). */
  readonly dcrImmutableId: string;
}

/** Options of {@link IngestionEmulator.start}. */
export interface EmulatorOptions {
  /**
   * The DCR the emulator hosts; with `dcrImmutableIds`, the first of them.
   * @default - the first of `dcrImmutableIds`, else 'dcr-00000000000000000000000000000000'
   */
  readonly dcrImmutableId?: string;
  /**
   * Every DCR the emulator hosts, as N DCRs writing to one table: each takes the same streams (their
   * rows land together in `rows()`) and has its own budget under `dcrLimits`. `dcrImmutableId`, if
   * given too, must be the first.
   * @default - [dcrImmutableId]
   */
  readonly dcrImmutableIds?: readonly string[];
  /**
   * Enforce Azure's per-DCR limits, each DCR on its own budget over a sliding 60-second window: a
   * request that would take its DCR past either limit gets 429 with `Retry-After` (whole seconds
   * until enough of the window frees) and is neither stored nor counted in the window. Bytes are
   * decompressed bytes ({@link DCR_BYTES_PER_MINUTE}); under `deferCounting` they are read from the
   * gzip trailer. Each limit is multiplied by `scale`, so a local run reaches it with a fraction of
   * Azure's volume. A request larger than the whole bytes budget never fits: it gets 429 with
   * `Retry-After: 60` every time.
   * @default - no limits
   */
  readonly dcrLimits?: {
    /** @default 12,000 ({@link DCR_REQUESTS_PER_MINUTE}) */
    readonly requestsPerMinute?: number;
    /** @default 2 GB ({@link DCR_BYTES_PER_MINUTE}) */
    readonly bytesPerMinute?: number;
    /** @default 1 */
    readonly scale?: number;
  };
  /** The clock of the `dcrLimits` window, in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** Stream name → declared columns (e.g. `columnsOf(format)`). */
  readonly streams: Readonly<Record<string, readonly Column[]>>;
  /**
   * Stream name → the built-in table its data flow writes to. The emulator refuses to start when a
   * stream's columns, renamed as the DCR renames them, do not fit that table's vendored schema.
   * @default - every stream writes to a custom table of its own columns
   */
  readonly outputTables?: Readonly<Record<string, BuiltinTable>>;
  /** Delay before answering each request, in ms, to make concurrency observable. @default 0 */
  readonly latencyMs?: number;
  /** Keep accepted rows for `rows()`; the benchmark turns this off to count only. @default true */
  readonly storeRows?: boolean;
  /**
   * Parse and check every row against the stream declaration. The benchmark turns this off so the
   * emulator (sharing the machine's cores) costs little beside the forwarder it measures; rows are
   * then counted by their `RecordIndex` keys. @default true
   */
  readonly validate?: boolean;
  /**
   * With `validate` off: answer 204 as soon as the request's route, token and compressed size are
   * checked, and keep the gzip body; {@link IngestionEmulator.settle} decompresses and counts the
   * kept bodies later. The benchmark uses it so that the receiver's decompression (Azure's work in
   * production) does not take CPU from the forwarder it measures, on the same two cores, while
   * every row is still counted. @default false
   */
  readonly deferCounting?: boolean;
}

/** Error codes the real API uses for these statuses, so messages read like production ones. */
const FAULT_CODES: Record<number, string> = {
  401: 'InvalidToken',
  403: 'OperationFailed',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

function azureError(res: ServerResponse, status: number, code: string, message: string, headers = {}): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { 'content-type': 'application/json', 'x-ms-error-code': code, ...headers });
  res.end(body);
}

/**
 * Occurrences of `needle` in `body`, searched in the bytes: decoding a megabyte body to a string
 * first cost the emulator more CPU than anything else it does, CPU the benchmark's forwarder
 * shares on a two-core machine.
 */
function countOccurrences(body: Buffer, needle: Buffer): number {
  let count = 0;
  for (let i = body.indexOf(needle); i !== -1; i = body.indexOf(needle, i + needle.length)) count++;
  return count;
}

const RECORD_INDEX_KEY = Buffer.from('"RecordIndex":');

/** Why a row does not match the declared columns, or undefined if it does. */
function rowProblem(row: unknown, columns: ReadonlyMap<string, Column>): string | undefined {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return 'a row is not a JSON object';
  for (const [name, value] of Object.entries(row)) {
    const column = columns.get(name);
    if (column === undefined) return `column '${name}' is not declared in the stream`;
    if (value === null) continue;
    const ok = (() => {
      switch (column.type) {
        case 'string':
          return typeof value === 'string';
        case 'int':
        case 'long':
          return typeof value === 'number' && Number.isInteger(value);
        case 'real':
          return typeof value === 'number';
        case 'boolean':
          return typeof value === 'boolean';
        case 'datetime':
          return typeof value === 'string' && Number.isFinite(Date.parse(value));
        case 'dynamic':
          return true;
      }
    })();
    if (!ok) return `column '${name}' of type ${column.type} got ${JSON.stringify(value)?.slice(0, 60)}`;
  }
  return undefined;
}

/**
 * The decompressed size a gzip body declares in its trailer (ISIZE, the last 4 bytes, modulo 2³²),
 * read without decompressing it: how `deferCounting` charges the bytes budget. A body of several
 * gzip members declares only its last member's size; the forwarder and the SDK send one member.
 */
function gzipDeclaredSize(chunks: readonly Buffer[], length: number): number {
  if (length < 4) return length;
  const tail = Buffer.alloc(4);
  let filled = 0;
  for (let i = chunks.length - 1; i >= 0 && filled < 4; i--) {
    const chunk = chunks[i];
    const take = Math.min(4 - filled, chunk.length);
    chunk.copy(tail, 4 - filled - take, chunk.length - take);
    filled += take;
  }
  return tail.readUInt32LE(0);
}

/** `value × scale` without float noise (12,000 × 5/12,000 is 5, not 4.999…). */
function scaled(name: string, value: number, scale: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new Error(`dcrLimits.${name} (${value}) must be a number greater than 0`);
  }
  return Number((value * scale).toPrecision(12));
}

/** One DCR: its sliding window of admitted requests and its counters. */
class DcrState implements DcrCounters {
  public acceptedRequests = 0;
  public acceptedBytes = 0;
  public acceptedCompressedBytes = 0;
  public throttled = 0;
  // The window as two queues read from #head, so admitting a request costs O(1).
  #times: number[] = [];
  #sizes: number[] = [];
  #head = 0;
  #windowBytes = 0;

  /**
   * Books a request of `bytes` at `now` if it fits `budget`; otherwise books nothing and returns the
   * milliseconds until it would fit (Infinity if it never can) and the limit it is over.
   */
  public admit(
    now: number,
    bytes: number,
    budget: DcrBudget,
  ): { readonly waitMs: number; readonly limit: 'requests' | 'bytes' } | undefined {
    this.#expire(now);
    const count = this.#times.length - this.#head;
    let waitMs = 0;
    let limit: 'requests' | 'bytes' | undefined;
    if (count + 1 > budget.requestsPerMinute) {
      // The oldest requests must leave until one more fits; the last of them to leave sets the wait.
      const slots = Math.floor(budget.requestsPerMinute);
      waitMs = slots < 1 ? Infinity : this.#leavesAt(count - slots) - now;
      limit = 'requests';
    }
    if (this.#windowBytes + bytes > budget.bytesPerMinute) {
      let freed = this.#windowBytes;
      let index = this.#head;
      while (index < this.#times.length && freed + bytes > budget.bytesPerMinute)
        freed -= this.#sizes[index++];
      const wait =
        freed + bytes > budget.bytesPerMinute ? Infinity : this.#leavesAt(index - 1 - this.#head) - now;
      if (wait > waitMs || limit === undefined) {
        waitMs = Math.max(waitMs, wait);
        limit = 'bytes';
      }
    }
    if (limit !== undefined) return { waitMs, limit };
    this.#times.push(now);
    this.#sizes.push(bytes);
    this.#windowBytes += bytes;
    return undefined;
  }

  public reset(): void {
    this.acceptedRequests = 0;
    this.acceptedBytes = 0;
    this.acceptedCompressedBytes = 0;
    this.throttled = 0;
    this.#times = [];
    this.#sizes = [];
    this.#head = 0;
    this.#windowBytes = 0;
  }

  /** When the `offset`-th oldest request in the window leaves it. */
  #leavesAt(offset: number): number {
    return this.#times[this.#head + offset] + LIMIT_WINDOW_MS;
  }

  #expire(now: number): void {
    while (this.#head < this.#times.length && this.#times[this.#head] + LIMIT_WINDOW_MS <= now) {
      this.#windowBytes -= this.#sizes[this.#head];
      this.#head += 1;
    }
    if (this.#head > 4096 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** The hosted DCRs, the limits and the clock: {@link IngestionEmulator.start} derives them from the options. */
interface DcrSetup {
  readonly ids: readonly string[];
  readonly budget: DcrBudget | undefined;
  readonly now: () => number;
}

function dcrSetup(options: EmulatorOptions): DcrSetup {
  const { dcrImmutableId, dcrImmutableIds } = options;
  if (dcrImmutableIds !== undefined) {
    if (dcrImmutableIds.length === 0) throw new Error('dcrImmutableIds must name at least one DCR');
    if (new Set(dcrImmutableIds).size !== dcrImmutableIds.length) {
      throw new Error(`dcrImmutableIds (${dcrImmutableIds.join(', ')}) must not repeat a DCR`);
    }
    if (dcrImmutableId !== undefined && dcrImmutableId !== dcrImmutableIds[0]) {
      throw new Error(
        `dcrImmutableId (${dcrImmutableId}) must be the first of dcrImmutableIds (${dcrImmutableIds.join(', ')})`,
      );
    }
  }
  const ids = dcrImmutableIds ?? [dcrImmutableId ?? 'dcr-00000000000000000000000000000000'];
  const limits = options.dcrLimits;
  let budget: DcrBudget | undefined;
  if (limits !== undefined) {
    const scale = limits.scale ?? 1;
    if (!(Number.isFinite(scale) && scale > 0)) {
      throw new Error(`dcrLimits.scale (${scale}) must be a number greater than 0`);
    }
    budget = {
      requestsPerMinute: scaled(
        'requestsPerMinute',
        limits.requestsPerMinute ?? DCR_REQUESTS_PER_MINUTE,
        scale,
      ),
      bytesPerMinute: scaled('bytesPerMinute', limits.bytesPerMinute ?? DCR_BYTES_PER_MINUTE, scale),
    };
  }
  return { ids, budget, now: options.now ?? Date.now };
}

/** The emulator; start with {@link IngestionEmulator.start}, stop with `close`. */
export class IngestionEmulator {
  /** The bearer token the emulator accepts. */
  public readonly token = `emulator-token-${Math.random().toString(36).slice(2)}`;
  /** The DCR the emulator hosts: the first of {@link dcrImmutableIds}. */
  public readonly dcrImmutableId: string;
  public readonly requests: ReceivedRequest[] = [];
  /** Tokens presented on requests (to assert the client authenticated). */
  public tokenRequests = 0;
  /** Rows accepted on all streams (counted even when `storeRows` is off). */
  public acceptedRows = 0;
  /** Client secret the local Entra token endpoint accepts. */
  public clientSecret: string | undefined;
  /** Client assertion (a federated credential's JWT) the local Entra token endpoint accepts. */
  public clientAssertion: string | undefined;
  /** Client-credential grants the token endpoint answered, with the scope asked for. */
  public readonly tokenGrants: { clientId: string; scope: string; ok: boolean }[] = [];
  #faults: Fault[] = [];
  #accepted = new Map<string, Record<string, unknown>[]>();
  #inFlight = 0;
  #maxInFlight = 0;
  /** Bodies accepted under `deferCounting`, not yet decompressed and counted. */
  #deferred: { readonly body: readonly Buffer[]; readonly gzip: boolean }[] = [];
  readonly #columns: Map<string, Map<string, Column>>;
  readonly #dcrs: ReadonlyMap<string, DcrState>;
  readonly #now: () => number;
  /** Every DCR the emulator hosts; the first is {@link dcrImmutableId}. */
  public readonly dcrImmutableIds: readonly string[];
  /** Each DCR's limits after `scale`, or undefined when `dcrLimits` was not given. */
  public readonly dcrBudget: DcrBudget | undefined;

  private constructor(
    private readonly server: Server,
    public readonly endpoint: string,
    /** PEM of the certificate: the client trusts it through `clientOptions().tlsOptions.ca`. */
    public readonly ca: string,
    dcrs: DcrSetup,
    streams: Readonly<Record<string, readonly Column[]>>,
    private readonly latencyMs: number,
    private readonly storeRows: boolean,
    private readonly validate: boolean,
    private readonly deferCounting: boolean,
  ) {
    this.dcrImmutableIds = dcrs.ids;
    this.dcrImmutableId = dcrs.ids[0];
    this.dcrBudget = dcrs.budget;
    this.#now = dcrs.now;
    this.#dcrs = new Map(dcrs.ids.map((id) => [id, new DcrState()]));
    this.#columns = new Map(
      Object.entries(streams).map(([name, cols]) => [name, new Map(cols.map((c) => [c.name, c]))]),
    );
  }

  /** Starts the emulator on 127.0.0.1 on a random port. */
  public static async start(options: EmulatorOptions): Promise<IngestionEmulator> {
    for (const [stream, table] of Object.entries(options.outputTables ?? {})) {
      const problems = builtinMismatches(options.streams[stream] ?? [], table);
      if (problems.length > 0) {
        throw new Error(
          `stream ${stream} writes to ${table.name}, whose schema does not take what the forwarder sends: ${problems.join('; ')}`,
        );
      }
    }
    const dcrs = dcrSetup(options);
    const { key, cert } = selfSignedCertificate(
      '127.0.0.1',
      'IP:127.0.0.1,DNS:localhost',
      'ingestion emulator',
    );
    const holder: { emulator?: IngestionEmulator } = {};
    const server = createServer({ key, cert }, (req, res) => {
      void holder.emulator?.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const emulator = new IngestionEmulator(
      server,
      `https://127.0.0.1:${port}`,
      cert,
      dcrs,
      options.streams,
      options.latencyMs ?? 0,
      options.storeRows ?? true,
      options.validate ?? true,
      options.deferCounting ?? false,
    );
    holder.emulator = emulator;
    return emulator;
  }

  /** A TokenCredential whose tokens the emulator accepts (stands in for Entra ID), valid for an hour. */
  public get credential(): TokenCredential {
    return this.tokenCredential(3_600_000);
  }

  /**
   * A TokenCredential issuing tokens valid for `lifetimeMs`. The SDK refreshes tokens that expire
   * within a few minutes, so a short lifetime makes it ask for a token on every request.
   */
  public tokenCredential(lifetimeMs: number): TokenCredential {
    return {
      getToken: async (): Promise<AccessToken> => {
        this.tokenRequests += 1;
        return { token: this.token, expiresOnTimestamp: Date.now() + lifetimeMs };
      },
    };
  }

  /**
   * Client options that trust the emulator's certificate (a proper CA, not
   * NODE_TLS_REJECT_UNAUTHORIZED) and retry fast so fault tests stay quick.
   */
  public clientOptions(
    retry: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number } = {},
  ) {
    return {
      tlsOptions: { ca: this.ca },
      retryOptions: { maxRetries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 100, ...retry },
    } satisfies LogsIngestionClientOptions;
  }

  /** The next `count` requests get `fault` (queued after any faults already queued). */
  public failNext(count: number, fault: Fault): void {
    for (let i = 0; i < count; i++) this.#faults.push(fault);
  }

  /** Every request gets `fault` until {@link clearFaults}. */
  public failAlways(fault: Fault): void {
    this.#always = fault;
  }

  public clearFaults(): void {
    this.#faults = [];
    this.#always = undefined;
  }

  #always: Fault | undefined;

  /** Rows accepted (204) on `stream`, in arrival order. */
  public rows(stream: string): Record<string, unknown>[] {
    return this.#accepted.get(stream) ?? [];
  }

  /** Requests answered 429 by the per-DCR limits, on all DCRs (injected faults are not counted). */
  public get throttled(): number {
    let total = 0;
    for (const dcr of this.#dcrs.values()) total += dcr.throttled;
    return total;
  }

  /** Requests answered 429 by the limits of one DCR. */
  public throttledFor(dcrImmutableId: string): number {
    return this.dcrCounters(dcrImmutableId).throttled;
  }

  /** What one hosted DCR accepted and refused. Throws for a DCR the emulator does not host. */
  public dcrCounters(dcrImmutableId: string): DcrCounters {
    const dcr = this.#dcrs.get(dcrImmutableId);
    if (dcr === undefined) {
      throw new Error(
        `The emulator hosts no DCR ${dcrImmutableId} (it hosts ${this.dcrImmutableIds.join(', ')})`,
      );
    }
    const { acceptedRequests, acceptedBytes, acceptedCompressedBytes, throttled } = dcr;
    return { acceptedRequests, acceptedBytes, acceptedCompressedBytes, throttled };
  }

  /** Most requests the emulator was handling at once. */
  public get maxInFlight(): number {
    return this.#maxInFlight;
  }

  /**
   * Decompresses and counts the bodies kept under `deferCounting`, adding their rows to
   * `acceptedRows` (a body sent without gzip encoding is counted as it is). Throws if a gzip body
   * does not decompress or any body is over the API's 1 MB: the API would have refused that
   * request, so a measurement that relied on it is void.
   */
  public settle(): void {
    const bodies = this.#deferred;
    this.#deferred = [];
    for (const { body, gzip } of bodies) {
      const text = gzip ? gunzipSync(Buffer.concat(body)) : Buffer.concat(body);
      if (text.length > INGESTION_MAX_BYTES) {
        throw new Error(`A request body was ${text.length} bytes decompressed, over ${INGESTION_MAX_BYTES}`);
      }
      this.acceptedRows += countOccurrences(text, RECORD_INDEX_KEY);
    }
  }

  /** Forgets rows, requests, faults, the DCRs' windows and counters (between tests). */
  public reset(): void {
    this.#deferred = [];
    for (const dcr of this.#dcrs.values()) dcr.reset();
    this.#accepted.clear();
    this.requests.length = 0;
    this.clearFaults();
    this.#maxInFlight = 0;
    this.tokenRequests = 0;
    this.acceptedRows = 0;
    this.tokenGrants.length = 0;
  }

  public async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * A minimal Entra ID (v2 endpoints) for ClientSecretCredential: the tenant's OpenID configuration
   * and the client-credentials token grant, checking the client secret. Returns false for other paths.
   */
  private serveEntra(req: IncomingMessage, res: ServerResponse, url: URL, raw: () => Buffer): boolean {
    const openId = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (openId !== null) {
      const base = `${this.endpoint}/${openId[1]}`;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          issuer: `${base}/v2.0`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
          response_modes_supported: ['query', 'fragment', 'form_post'],
        }),
      );
      return true;
    }
    if (req.method === 'POST' && /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname)) {
      const form = new URLSearchParams(raw().toString('utf8'));
      const assertion = form.get('client_assertion');
      const ok =
        assertion !== null
          ? this.clientAssertion !== undefined &&
            assertion === this.clientAssertion &&
            form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
          : this.clientSecret !== undefined && form.get('client_secret') === this.clientSecret;
      this.tokenGrants.push({ clientId: form.get('client_id') ?? '', scope: form.get('scope') ?? '', ok });
      if (!ok) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: 'invalid_client',
            error_description: 'AADSTS7000215: Invalid client secret provided.',
            error_codes: [7000215],
          }),
        );
        return true;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: this.token,
        }),
      );
      return true;
    }
    return false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#inFlight += 1;
    this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
    try {
      await this.serve(req, res);
    } finally {
      this.#inFlight -= 1;
    }
  }

  /**
   * Books a request of `bytes` on its DCR's budget (always, without `dcrLimits`), or answers it 429
   * with `Retry-After` as Azure does past a per-DCR limit and returns false.
   */
  private admit(
    res: ServerResponse,
    dcr: DcrState,
    dcrImmutableId: string,
    bytes: number,
    record: (status: number, rows?: number, bytes?: number) => void,
  ): boolean {
    const budget = this.dcrBudget;
    if (budget === undefined) return true;
    const over = dcr.admit(this.#now(), bytes, budget);
    if (over === undefined) return true;
    dcr.throttled += 1;
    record(429, 0, bytes);
    const never = !Number.isFinite(over.waitMs);
    const retryAfter = never ? LIMIT_WINDOW_MS / 1000 : Math.max(1, Math.ceil(over.waitMs / 1000));
    const limit =
      over.limit === 'requests'
        ? `${budget.requestsPerMinute} requests per minute`
        : `${budget.bytesPerMinute} bytes per minute`;
    azureError(
      res,
      429,
      'TooManyRequests',
      never
        ? `A request of ${bytes} bytes can never fit data collection rule '${dcrImmutableId}''s limit of ${limit}.`
        : `Data collection rule '${dcrImmutableId}' is over its limit of ${limit}. Retry after ${retryAfter} seconds.`,
      { 'retry-after': String(retryAfter) },
    );
    return false;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
    }
    // Joined only when read: a body kept under deferCounting stays in its pieces, because joining
    // them (about 48 MB per 400 MB benchmark run) took CPU from the forwarder being measured.
    let joined: Buffer | undefined;
    const raw = (): Buffer => (joined ??= Buffer.concat(chunks, length));
    const url = new URL(req.url ?? '/', this.endpoint);
    if (this.serveEntra(req, res, url, raw)) return;
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));

    const match = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/.exec(url.pathname);
    const stream = match !== null ? decodeURIComponent(match[2]) : '';
    const dcrImmutableId = match !== null ? decodeURIComponent(match[1]) : '';
    const record = (status: number, rows = 0, bytes = 0): void => {
      this.requests.push({
        stream,
        status,
        rows,
        compressedBytes: length,
        bytes,
        contentEncoding: req.headers['content-encoding'],
        apiVersion: url.searchParams.get('api-version'),
        receivedAt,
        dcrImmutableId,
      });
    };

    const fault = this.#faults.shift() ?? this.#always;
    if (fault?.reset) {
      record(0);
      req.socket.destroy();
      return;
    }
    if (fault?.status !== undefined) {
      record(fault.status);
      azureError(
        res,
        fault.status,
        FAULT_CODES[fault.status] ?? (fault.status >= 500 ? 'InternalServerError' : 'BadRequest'),
        `Injected fault: HTTP ${fault.status}`,
        fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {},
      );
      return;
    }

    if (req.method !== 'POST' || match === null) {
      record(404);
      return azureError(res, 404, 'NotFound', `No route for ${req.method} ${url.pathname}`);
    }
    if (url.searchParams.get('api-version') !== '2023-01-01') {
      record(400);
      return azureError(
        res,
        400,
        'InvalidApiVersion',
        `Unsupported api-version ${url.searchParams.get('api-version')}`,
      );
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      record(401);
      return azureError(res, 401, 'InvalidToken', 'The bearer token is missing or not valid.');
    }
    const dcr = this.#dcrs.get(dcrImmutableId);
    if (dcr === undefined) {
      record(404);
      return azureError(
        res,
        404,
        'NotFound',
        `Data collection rule with immutable Id '${match[1]}' not found.`,
      );
    }
    const columns = this.#columns.get(stream);
    if (columns === undefined) {
      record(404);
      return azureError(
        res,
        404,
        'InvalidStream',
        `Stream '${stream}' is not declared in the data collection rule.`,
      );
    }
    if (length > INGESTION_MAX_BYTES) {
      record(413);
      return azureError(
        res,
        413,
        'ContentLengthLimitExceeded',
        `Maximum allowed content length: ${INGESTION_MAX_BYTES} bytes.`,
      );
    }
    if (!this.validate && this.deferCounting) {
      const gzip = req.headers['content-encoding'] === 'gzip';
      const bytes = gzip ? gzipDeclaredSize(chunks, length) : length;
      if (!this.admit(res, dcr, dcrImmutableId, bytes, record)) return;
      this.#deferred.push({ body: chunks, gzip });
      dcr.acceptedRequests += 1;
      dcr.acceptedBytes += bytes;
      dcr.acceptedCompressedBytes += length;
      record(204);
      res.writeHead(204);
      res.end();
      return;
    }
    let text: Buffer;
    try {
      text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw()) : raw();
    } catch {
      record(400);
      return azureError(res, 400, 'InvalidContentEncoding', 'The body is not valid gzip.');
    }
    if (text.length > INGESTION_MAX_BYTES) {
      record(413, 0, text.length);
      return azureError(
        res,
        413,
        'ContentLengthLimitExceeded',
        `Maximum allowed content length: ${INGESTION_MAX_BYTES} bytes. Provided content length: ${text.length} bytes.`,
      );
    }
    if (!this.admit(res, dcr, dcrImmutableId, text.length, record)) return;
    const accept = (): void => {
      dcr.acceptedRequests += 1;
      dcr.acceptedBytes += text.length;
      dcr.acceptedCompressedBytes += length;
    };
    if (!this.validate) {
      this.acceptedRows += countOccurrences(text, RECORD_INDEX_KEY);
      accept();
      record(204, 0, text.length);
      res.writeHead(204);
      res.end();
      return;
    }
    let rows: unknown;
    try {
      rows = JSON.parse(text.toString('utf8'));
    } catch {
      record(400, 0, text.length);
      return azureError(res, 400, 'InvalidPayload', 'The body is not valid JSON.');
    }
    if (!Array.isArray(rows)) {
      record(400, 0, text.length);
      return azureError(res, 400, 'InvalidPayload', 'The body must be a JSON array of rows.');
    }
    for (let i = 0; i < rows.length; i++) {
      const problem = rowProblem(rows[i], columns);
      if (problem !== undefined) {
        record(400, rows.length, text.length);
        return azureError(
          res,
          400,
          'InvalidPayload',
          `Row ${i} does not match stream '${stream}': ${problem}.`,
        );
      }
    }
    this.acceptedRows += rows.length;
    if (this.storeRows) {
      const accepted = this.#accepted.get(stream) ?? [];
      for (const row of rows) accepted.push(row as Record<string, unknown>);
      this.#accepted.set(stream, accepted);
    }
    accept();
    record(204, rows.length, text.length);
    res.writeHead(204);
    res.end();
  }
}

/**
 * The environment the construct gives the forwarder, pointed at `emulator` for one ndjson
 * producer: what handler tests pass to `createDependencies({ env })`.
 */
export function forwarderEnv(
  emulator: IngestionEmulator,
  stream: string,
  overrides: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    [ENV.producerName]: 'app-logs',
    [ENV.format]: 'ndjson',
    [ENV.tenantId]: '00000000-0000-0000-0000-000000000001',
    [ENV.clientId]: '00000000-0000-0000-0000-000000000002',
    [ENV.logsIngestionEndpoint]: emulator.endpoint,
    [ENV.dcrImmutableId]: emulator.dcrImmutableId,
    [ENV.streamName]: stream,
    [ENV.authMode]: 'secret',
    [ENV.clientSecretParameter]: '/s3-to-sentinel/app-logs/client-secret',
    [ENV.uploadConcurrency]: '4',
    ...overrides,
  };
}
