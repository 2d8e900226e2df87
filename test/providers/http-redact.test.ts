import t from 'tap';
import { REDACTED, SecretRegistry, redact, redactBody, redactError, redactHeaders } from '../../src/providers/redact.js';

const FERNET = 'gAAAAABkT7-_Oy2ncnH0pW3Lb9XYv1y4mgo6Pm8Vx2Q-3aQk1sT8b0Rr9ZK7d4Tq';

t.test('pattern redaction of text (values never seen before)', async (t) => {
  const cases: [string, string, string][] = [
    ['header line', 'X-Auth-Token: abcdef123456', `X-Auth-Token: ${REDACTED}`],
    ['lower-case header', 'x-auth-token=abcdef123456 next', `x-auth-token=${REDACTED} next`],
    ['subject token', 'X-Subject-Token: zzzzzzzz', `X-Subject-Token: ${REDACTED}`],
    ['api-token header as object', `{"api-token":"1234-5678-90ab"}`, `{"api-token":"${REDACTED}"}`],
    ['json password', `{"user":{"name":"demo","password":"s3cr3t!"}}`, `{"user":{"name":"demo","password":"${REDACTED}"}}`],
    ['json secret', `{"application_credential":{"id":"abc","secret":"topsecret"}}`, `{"application_credential":{"id":"abc","secret":"${REDACTED}"}}`],
    ['yaml app cred secret', `  application_credential_secret: "x y z"`, `  application_credential_secret: ${REDACTED}`],
    ['yaml password', `auth:\n  password: hunter2\n  username: demo`, `auth:\n  password: ${REDACTED}\n  username: demo`],
    ['json app cred secret key', `{"application_credential_secret": "abc123"}`, `{"application_credential_secret": "${REDACTED}"}`],
    ['escaped json inside a string', `msg="{\\"password\\": \\"pw123\\"}"`, `msg="{\\"password\\": \\"${REDACTED}\\"}"`],
    ['query api_token', 'GET /api/login?api_token=deadbeef&x=1', `GET /api/login?api_token=${REDACTED}&x=1`],
    ['key=value password', 'login user=demo password=pw1234', `login user=demo password=${REDACTED}`],
    ['fernet token anywhere', `token ${FERNET} expired`, `token ${REDACTED} expired`],
    ['harmless text untouched', 'site-a nova GET /servers/detail → 200', 'site-a nova GET /servers/detail → 200'],
  ];
  for (const [name, input, want] of cases) t.equal(redact(input), want, name);
});

t.test('known secrets are removed wherever they appear, including encoded forms', async (t) => {
  const pw = 'p@ss w0rd/"x"';
  const s = new SecretRegistry();
  s.add(pw);
  s.add('abc'); // too short to be treated as a secret
  s.add(undefined);
  const text = `failed: ${pw} | ${encodeURIComponent(pw)} | ${JSON.stringify(pw)} | abc`;
  const out = s.redact(text);
  t.notOk(out.includes(pw));
  t.notOk(out.includes(encodeURIComponent(pw)));
  t.notOk(out.includes(JSON.stringify(pw).slice(1, -1)));
  t.match(out, /\| abc$/);
  t.equal(s.list().length, 1);
});

t.test('longer secrets are replaced before shorter ones they contain', async (t) => {
  t.equal(redact('x secretvalue-long y', ['secretvalue', 'secretvalue-long']), `x ${REDACTED} y`);
});

t.test('registry learns secrets from request bodies', async (t) => {
  const s = new SecretRegistry();
  s.addFromBody({ auth: { identity: { password: { user: { name: 'demo', password: 'pw-123456' } }, application_credential: { id: 'id1', secret: 'sec-98765' } } } });
  t.ok(s.has('pw-123456'));
  t.ok(s.has('sec-98765'));
  t.notOk(s.has('demo'));
});

t.test('header and body scrubbers', async (t) => {
  t.same(redactHeaders({ 'X-Auth-Token': 'tok12345', 'x-subject-token': 'tok2', 'api-token': 'a', Accept: 'application/json', 'X-Echo': 'has tok12345' }, ['tok12345']), {
    'X-Auth-Token': REDACTED,
    'x-subject-token': REDACTED,
    'api-token': REDACTED,
    Accept: 'application/json',
    'X-Echo': `has ${REDACTED}`,
  });
  const body = { token: { expires_at: '2030-01-01T00:00:00Z', user: { name: 'demo' } }, password: 'pw', nested: [{ secret: 'x' }, { note: 'contains known-secret-1' }], adminPass: 'root!' };
  t.same(redactBody(body, ['known-secret-1']), {
    token: { expires_at: '2030-01-01T00:00:00Z', user: { name: 'demo' } },
    password: REDACTED,
    nested: [{ secret: REDACTED }, { note: `contains ${REDACTED}` }],
    adminPass: REDACTED,
  });
  t.equal(body.password, 'pw', 'input not mutated');
});

t.test('redactError keeps name and code, drops the secret', async (t) => {
  const e = Object.assign(new Error('boom X-Auth-Token: abcdef and known-secret-2'), { code: 'ECONNRESET', options: { headers: { 'X-Auth-Token': 'abcdef' } } });
  const r = redactError(e, ['known-secret-2']);
  t.equal((r as Error & { code?: string }).code, 'ECONNRESET');
  t.notMatch(r.message, /abcdef|known-secret-2/);
  t.notMatch(String(r.stack), /abcdef|known-secret-2/);
  t.equal((r as unknown as { options?: unknown }).options, undefined);
  t.match(redactError('plain known-secret-2', ['known-secret-2']).message, /plain <redacted>/);
});
