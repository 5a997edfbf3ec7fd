import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../scripts/lib/ports';
import type { OidcSettings } from '../../web/sign-in';

/**
 * Starts a real OpenID Provider (oidc-provider, in its own process) with one client: the web service
 * at `redirectUri`. Returns the settings the service is configured with, as a council would from
 * OIDC_*, matching people by their `oid` claim as for Microsoft Entra ID.
 */
export async function startIdentityProvider(redirectUri: string): Promise<{ settings: OidcSettings; stop(): void }> {
  const port = await freePort();
  const settings = {
    issuer: `http://127.0.0.1:${port}`,
    clientId: 'housing-governance',
    clientSecret: 'a-client-secret-for-the-tests',
    redirectUri,
    subjectClaim: 'oid',
  };
  const child = spawn(
    process.execPath,
    [path.join(__dirname, 'oidc-provider.mjs'), String(port), settings.clientId, settings.clientSecret, redirectUri],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`the identity provider exited (${code}): ${errors}`)));
  });
  return { settings, stop: () => void child.kill() };
}
