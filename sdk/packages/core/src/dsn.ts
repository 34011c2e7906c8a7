/** DSN parsing: `http(s)://<public_key>@<host>[:port]/<project_id>` (protocol.md). */

export interface Dsn {
  protocol: string;
  publicKey: string;
  host: string;
  /** Path before the project id, without trailing slash ('' for the usual DSN). */
  path: string;
  projectId: string;
}

const DSN_RE = /^(https?):\/\/([^@/\s]+)@([^/\s]+)((?:\/[^/\s]+)*)\/([^/\s?#]+)\/?$/;

/** Parses a DSN; returns undefined when it is malformed. */
export function parseDsn(dsn: string): Dsn | undefined {
  const m = DSN_RE.exec(dsn.trim());
  if (!m) return undefined;
  return { protocol: m[1]!, publicKey: m[2]!, host: m[3]!, path: m[4] || '', projectId: m[5]! };
}

/** The ingest endpoint of a DSN: `/api/<project_id>/events?key=<public_key>`. */
export function ingestUrl(dsn: Dsn): string {
  return `${dsn.protocol}://${dsn.host}${dsn.path}/api/${dsn.projectId}/events?key=${encodeURIComponent(dsn.publicKey)}`;
}
