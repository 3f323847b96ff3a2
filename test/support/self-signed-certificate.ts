import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway TLS key and certificate, PEM. */
export interface Certificate {
  readonly key: string;
  readonly cert: string;
}

const cached = new Map<string, Certificate>();

/**
 * A self-signed certificate for 127.0.0.1, made once per process and subject with the `openssl`
 * CLI (present on these machines; Node has no API to create X.509 certificates). If it is missing,
 * add the `selfsigned` package to devDependencies and generate with it instead. Servers that a
 * process trusts side by side (`NODE_EXTRA_CA_CERTS`) each use a subject of their own.
 *
 * @param commonName the certificate's subject CN
 * @param subjectAltName e.g. `IP:127.0.0.1,DNS:localhost`
 * @param user who needs it, for the error message
 */
export function selfSignedCertificate(commonName: string, subjectAltName: string, user: string): Certificate {
  const known = cached.get(commonName);
  if (known !== undefined) return known;
  const dir = mkdtempSync(join(tmpdir(), 'self-signed-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        `subjectAltName=${subjectAltName}`,
      ],
      { stdio: 'pipe' },
    );
    const made = {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
    cached.set(commonName, made);
    return made;
  } catch (err) {
    throw new Error(
      `The ${user} needs the openssl CLI to make its certificate (${(err as Error).message}); ` +
        "install openssl or add the 'selfsigned' package.",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
