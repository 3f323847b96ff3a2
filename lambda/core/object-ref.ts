/** The S3 object a row came from: what the provenance columns record. */
export interface ObjectRef {
  readonly bucket: string;
  /** The object key, already URL-decoded. */
  readonly key: string;
  readonly versionId?: string;
  /** The ETag as S3 reports it (quotes, if any, are removed in `S3ObjectVersion`). */
  readonly eTag?: string;
  /** Time of the S3 ObjectCreated event, ISO 8601. */
  readonly eventTime: string;
  readonly size?: number;
}

/** A row as sent to the Logs Ingestion API: provenance columns plus the format's columns. */
export type Row = Record<string, unknown>;
