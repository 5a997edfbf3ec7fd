// A council's identity provider for the browser tests: oidc-provider (a certified OpenID Provider),
// run in a process of its own because it is an ES module only. Its development sign-in screen takes
// any login; the login becomes the account (its `sub`), and its `oid` claim (as Microsoft Entra ID names a person
// for good) is `oid-<login>`.
// usage: node oidc-provider.mjs <port> <client id> <client secret> <redirect uri>
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  claims: { openid: ['sub', 'oid'], profile: ['name'] },
  conformIdTokenClaims: false,
  async findAccount(_ctx, login) {
    return { accountId: login, claims: () => ({ sub: login, oid: `oid-${login}`, name: login }) };
  },
});
provider.listen(Number(port), '127.0.0.1', () => process.stdout.write(`ready ${issuer}\n`));
