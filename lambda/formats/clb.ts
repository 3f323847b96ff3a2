import {
  accessLogSources,
  NO_VALUE,
  readAccessLogLine,
  type AccessLogLayout,
  type FieldPlan,
  type FieldReader,
} from './access-log-fields';
import type { FormatDefinition, ParsedRecord, RecordError } from './format';
import type { Column, ColumnType } from './schema';

/** The column of fields with no column of their own (a custom table needs no `_CF` suffix). */
export const CLB_ADDITIONAL_FIELDS_COLUMN = 'AdditionalFields';

/**
 * Every field of a Classic Load Balancer access log entry, in the order AWS writes them ("Access
 * log entries", https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html),
 * and the column of the format's custom table each fills. Sentinel has no table for these logs
 * (see `builtin-tables/index.ts`), so the columns are this project's: named as AWSALBAccessLogs
 * names the same fields where ALB has them (ClientIp, ElbStatusCode, RequestRaw, ...), `backend`
 * where CLB says backend, and typed for the values (durations are seconds, so `real`).
 */
export const CLB_FIELDS: readonly (readonly [
  field: string,
  columns: readonly Column[],
  read: FieldReader,
])[] = [
  // TimeGenerated (a provenance column) is the entry's time.
  ['time', [], 'time'],
  ['elb', [{ name: 'Elb', type: 'string', description: 'The name of the load balancer.' }], 'string'],
  [
    'client:port',
    [
      { name: 'ClientIp', type: 'string', description: 'The IP address of the requesting client.' },
      { name: 'ClientPort', type: 'int', description: 'The port of the requesting client.' },
    ],
    'ip-port',
  ],
  [
    'backend:port',
    [
      {
        name: 'BackendIp',
        type: 'string',
        description:
          'The IP address of the registered instance that processed the request; empty when none did.',
      },
      { name: 'BackendPort', type: 'int', description: 'The port of that instance.' },
    ],
    'ip-port',
  ],
  [
    'request_processing_time',
    [
      {
        name: 'RequestProcessingTime',
        type: 'real',
        description:
          'Seconds from receiving the request (HTTP) or first byte (TCP) to sending it to an instance; -1 when it could not be dispatched.',
      },
    ],
    'real',
  ],
  [
    'backend_processing_time',
    [
      {
        name: 'BackendProcessingTime',
        type: 'real',
        description:
          'Seconds from sending the request to the instance until it started to respond; -1 when it could not be dispatched or the instance closed the connection.',
      },
    ],
    'real',
  ],
  [
    'response_processing_time',
    [
      {
        name: 'ResponseProcessingTime',
        type: 'real',
        description:
          'Seconds from receiving the response header from the instance until starting to send it to the client; -1 as above.',
      },
    ],
    'real',
  ],
  [
    'elb_status_code',
    [
      {
        name: 'ElbStatusCode',
        type: 'int',
        description: 'The status code of the response from the load balancer (HTTP listeners only).',
      },
    ],
    'int',
  ],
  [
    'backend_status_code',
    [
      {
        name: 'BackendStatusCode',
        type: 'int',
        description: 'The status code of the response from the instance (HTTP listeners only).',
      },
    ],
    'int',
  ],
  [
    'received_bytes',
    [
      {
        name: 'ReceivedBytes',
        type: 'long',
        description: 'The size of the request, in bytes, from the client.',
      },
    ],
    'long',
  ],
  [
    'sent_bytes',
    [
      {
        name: 'SentBytes',
        type: 'long',
        description: 'The size of the response, in bytes, sent to the client.',
      },
    ],
    'long',
  ],
  [
    'request',
    [
      {
        name: 'RequestRaw',
        type: 'string',
        description:
          'The request line as written: method, protocol://host:port/uri, HTTP version (`- - -` for TCP).',
      },
    ],
    'string',
  ],
  [
    'user_agent',
    [
      {
        name: 'UserAgent',
        type: 'string',
        description: 'The User-Agent of the client (HTTP listeners only).',
      },
    ],
    'string',
  ],
  [
    'ssl_cipher',
    [{ name: 'SslCipher', type: 'string', description: 'The SSL cipher (HTTPS and SSL listeners only).' }],
    'string',
  ],
  [
    'ssl_protocol',
    [
      {
        name: 'SslProtocol',
        type: 'string',
        description: 'The SSL protocol (HTTPS and SSL listeners only).',
      },
    ],
    'string',
  ],
];

/** The parts of the request line, split out so queries need not parse RequestRaw. */
const REQUEST_COLUMNS: readonly Column[] = [
  { name: 'RequestMethod', type: 'string', description: 'The HTTP method of the request line.' },
  {
    name: 'RequestUrl',
    type: 'string',
    description: 'The URL of the request line (protocol://host:port/uri).',
  },
  {
    name: 'RequestProtocol',
    type: 'string',
    description: 'The HTTP version of the request line (HTTP/1.1).',
  },
];

const COLUMNS: readonly Column[] = [
  ...CLB_FIELDS.flatMap(([, columns]) => columns),
  ...REQUEST_COLUMNS,
  {
    name: CLB_ADDITIONAL_FIELDS_COLUMN,
    type: 'dynamic',
    description:
      'The fields AWS appends to Classic Load Balancer entries after ssl_protocol, as written, in trailing_fields; and integers too large for their column, by field name.',
  },
];

/** A reader's column type must be the column's: a mistake here is caught when the module loads. */
const READ_TYPES: Partial<Record<Exclude<FieldReader, object>, readonly ColumnType[]>> = {
  string: ['string'],
  int: ['int'],
  long: ['long'],
  real: ['real'],
  'ip-port': ['string', 'int'],
  time: [],
};
for (const [field, columns, read] of CLB_FIELDS) {
  const types = typeof read === 'string' ? READ_TYPES[read] : undefined;
  if (types === undefined || types.join() !== columns.map((c) => c.type).join()) {
    throw new Error(
      `CLB field ${field}: its reader does not fill columns of types ${columns.map((c) => c.type).join()}`,
    );
  }
}

const PLAN: readonly FieldPlan[] = CLB_FIELDS.map(([field, columns, read]) => ({
  field,
  read,
  columns: columns.map((c) => c.name),
}));

const LAYOUT: AccessLogLayout = {
  plan: PLAN,
  // Every documented field: Classic Load Balancer entries have had all 15 since 2015.
  required: CLB_FIELDS.length,
  log: 'Classic Load Balancer',
  format: 'clb',
  additionalColumn: CLB_ADDITIONAL_FIELDS_COLUMN,
  additionalAsText: false,
};

/**
 * `METHOD URL VERSION` into its parts; nothing for `- - - ` (a TCP listener; AWS writes it with a
 * trailing space) or a line of another shape. A URL with a space (which ELB writes as received)
 * keeps it: the method is the first word, the version the last.
 */
function requestParts(raw: string): Record<string, string> {
  const request = raw.trim();
  const first = request.indexOf(' ');
  const last = request.lastIndexOf(' ');
  if (first === -1 || first === last) return {};
  const parts: Record<string, string> = {};
  const method = request.slice(0, first);
  const url = request.slice(first + 1, last).trim();
  const protocol = request.slice(last + 1);
  if (method !== NO_VALUE) parts.RequestMethod = method;
  if (url !== NO_VALUE && url !== '') parts.RequestUrl = url;
  if (protocol !== NO_VALUE) parts.RequestProtocol = protocol;
  return parts;
}

function parseLine(text: string): ParsedRecord | RecordError {
  const parsed = readAccessLogLine(LAYOUT, text);
  if ('error' in parsed) return parsed;
  const request = parsed.fields.RequestRaw;
  if (typeof request !== 'string') return parsed;
  return { fields: { ...parsed.fields, ...requestParts(request) }, time: parsed.time };
}

/**
 * Classic Load Balancer access logs, into a typed custom table (Sentinel has no built-in one): 15
 * space-separated fields with no header, the request and user agent in double quotes, read by
 * position ({@link CLB_FIELDS}), the request line also split into method, URL and version. `-` is
 * "no value" and is omitted; `time` becomes TimeGenerated. Fields AWS appends later are kept in
 * {@link CLB_ADDITIONAL_FIELDS_COLUMN}; a line with fewer than 15 fields, or whose time, address or
 * numbers do not parse, is reported malformed with its line number. AWS's logging test object is
 * skipped.
 */
export const clbFormat: FormatDefinition = {
  name: 'clb',
  description:
    'Classic Load Balancer access logs (space-separated, quoted fields), into a typed custom table.',
  columns: COLUMNS,
  createParser: () => ({
    split: (text) => accessLogSources(text),
    parse: parseLine,
  }),
};
