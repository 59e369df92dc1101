// A real OpenID Connect provider (panva's oidc-provider) for tokentop's tests,
// bound to 127.0.0.1 only. Prints "READY <issuer>" once it answers.
//   node server.mjs          a free port
//   PORT=4455 node server.mjs
// Clients:
//   tt-m2m     confidential (client_secret_basic): client_credentials, token exchange
//   tt-jwt     confidential (private_key_jwt, its key in $CLIENT_KEY_OUT): client_credentials
//   tt-device  public: device authorization (RFC 8628), refresh tokens (rotating)
//   tt-web     native, confidential (client_secret_post): authorization code + PKCE
//              returning to http://127.0.0.1:ANY-PORT/callback, refresh tokens
// Tokens are opaque unless `resource=https://api.tokentop.test` is asked
// (then an RFC 9068 JWT, which the server can neither introspect nor revoke).
// RFC 8693 token exchange is registered here: the subject token's scopes
// may only narrow.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import Provider, { errors } from 'oidc-provider';

const PORT = Number(process.env.PORT ?? 0);
const API = 'https://api.tokentop.test';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

// Each stage is said on stderr: the test shows it if the start stalls.
console.error(`server.mjs: node ${process.version} loaded oidc-provider`);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
// A new key (and kid) at every start: a restart on the same port is a key rotation.
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: `tt-${randomUUID()}`, alg: 'RS256', use: 'sig' };

// The private_key_jwt client's key: its public half registered below, its
// private half written to CLIENT_KEY_OUT (PEM) for the test to use.
const clientKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
if (process.env.CLIENT_KEY_OUT) {
  writeFileSync(process.env.CLIENT_KEY_OUT, clientKey.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
}
const clientJwk = { ...clientKey.publicKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig' };

const configuration = {
  clients: [
    {
      client_id: 'tt-m2m',
      client_secret: 'tt-m2m-secret',
      grant_types: ['client_credentials', TOKEN_EXCHANGE],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'tt-jwt',
      grant_types: ['client_credentials', TOKEN_EXCHANGE],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [clientJwk] },
    },
    {
      client_id: 'tt-device',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'none',
    },
    {
      // A native app (RFC 8252): its loopback redirect may use any port.
      client_id: 'tt-web',
      client_secret: 'tt-web-secret',
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [jwk] },
  cookies: { keys: ['tokentop-test-cookie-key'] },
  scopes: ['openid', 'offline_access', 'api:read', 'api:write'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // The ID token carries the scopes' claims, as most issuers' do.
  conformIdTokenClaims: false,
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, email: `${sub}@example.test`, email_verified: true }),
  }),
  issueRefreshToken: async (_ctx, client, code) =>
    client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
  ttl: { AccessToken: 3600, ClientCredentials: 600, RefreshToken: 86400, DeviceCode: 600 },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    deviceFlow: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resource) => {
        if (resource !== API) throw new errors.InvalidTarget();
        return {
          scope: 'api:read api:write',
          audience: API,
          accessTokenTTL: 900,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
};

console.error('server.mjs: keys made');
const server = http.createServer();
server.on('error', (err) => {
  console.error(`server.mjs: cannot listen on 127.0.0.1:${PORT}: ${err.message}`);
  process.exit(1);
});
server.listen(PORT, '127.0.0.1', () => {
  console.error(`server.mjs: listening on port ${server.address().port}`);
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  provider.registerGrantType(TOKEN_EXCHANGE, async (ctx) => {
    const { params, client } = ctx.oidc;
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
      throw new errors.InvalidRequest('unsupported subject_token_type');
    }
    const subject = (await provider.ClientCredentials.find(params.subject_token))
      || (await provider.AccessToken.find(params.subject_token));
    if (!subject || subject.isExpired) throw new errors.InvalidGrant('subject_token invalid or expired');
    const have = new Set((subject.scope || '').split(' ').filter(Boolean));
    const want = (params.scope || subject.scope || '').split(' ').filter(Boolean);
    if (!want.every((s) => have.has(s))) throw new errors.InvalidScope('scope exceeds subject_token');
    const token = new provider.ClientCredentials({ client, scope: want.join(' ') || undefined });
    const value = await token.save();
    ctx.body = {
      access_token: value,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: token.expiration,
      scope: token.scope,
    };
  }, ['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type',
    'requested_token_type', 'scope', 'audience', 'resource']);
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));
  server.on('request', provider.callback());
  console.log(`READY ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
