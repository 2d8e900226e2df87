import t from 'tap';
import { containsSecrets, REDACTED, scrubSecrets, scrubString } from '../../src/state/scrub.js';

t.test('secret-looking keys are redacted at any depth; others kept', async (t) => {
  const cases: Array<[string, unknown, unknown]> = [
    ['token', { token: 'abc', id: 'x' }, { token: REDACTED, id: 'x' }],
    ['apiToken', { apiToken: 'abc' }, { apiToken: REDACTED }],
    ['X-Auth-Token header', { headers: { 'X-Auth-Token': 'gAAAAA', 'Content-Type': 'a' } }, { headers: { 'X-Auth-Token': REDACTED, 'Content-Type': 'a' } }],
    ['password', { auth: { password: 'p', username: 'u' } }, { auth: { password: REDACTED, username: 'u' } }],
    ['application_credential_secret', { application_credential_secret: 's' }, { application_credential_secret: REDACTED }],
    ['apiKey / key', { apiKey: 'k', key: 'k2', keyring: '/etc/ceph/x.keyring' }, { apiKey: REDACTED, key: REDACTED, keyring: '/etc/ceph/x.keyring' }],
    ['arrays', [{ secret: 1 }, { name: 'n' }], [{ secret: REDACTED }, { name: 'n' }]],
    ['case-insensitive', { PASSWORD: 'x', SecretRef: 'y' }, { PASSWORD: REDACTED, SecretRef: REDACTED }],
    ['non-secret ids untouched', { volumeId: 'v', serverIds: ['a'], count: 3, ok: true, none: null }, { volumeId: 'v', serverIds: ['a'], count: 3, ok: true, none: null }],
  ];
  for (const [name, input, want] of cases) t.same(scrubSecrets(input), want, name);
  const input = { password: 'x' };
  scrubSecrets(input);
  t.equal(input.password, 'x', 'input not mutated');
});

t.test('secret-looking substrings of free text are redacted', async (t) => {
  const cases: Array<[string, string, string[], string[]]> = [
    ['header in a message', 'request failed; X-Auth-Token: abc123def', ['abc123def'], ['request failed']],
    ['query/assignment', 'GET /login?api_token=f00ba4 -> 401', ['f00ba4'], ['/login?api_token=']],
    ['password=', 'auth with password=hunter2, user=bob', ['hunter2'], ['user=bob']],
    ['JSON fragment', '{"password": "hunter2", "name": "x"}', ['hunter2'], ['"name": "x"']],
    ['bearer', 'Authorization: Bearer eyJhbGciOi.payload.sig', ['eyJhbGciOi'], ['Authorization']],
    ['fernet token alone', 'token gAAAAABl_abcdefghijklmnopqrstuvwxyz0123 expired', ['gAAAAABl_abc'], ['expired']],
    ['URL credentials', 'connect https://admin:s3cret@fa-a.example.com/api', ['s3cret'], ['fa-a.example.com', 'admin']],
    ['ceph key', 'key = AQBzg2Jk3ZyVJRAAqH2zAnxLpJt6o4+9rvCXFw==', ['AQBzg2Jk3ZyVJRAAqH2zAnxLpJt6o4'], ['key']],
    ['innocent', 'volume volume-1234-cinder not found on fa-b', [], ['volume volume-1234-cinder not found on fa-b']],
  ];
  for (const [name, input, gone, kept] of cases) {
    const out = scrubString(input);
    for (const g of gone) t.notMatch(out, g, `${name}: ${g} removed`);
    for (const k of kept) t.match(out, k, `${name}: ${k} kept`);
  }
  t.ok(containsSecrets({ a: { token: 'x' } }));
  t.notOk(containsSecrets({ a: { name: 'x' } }));
});
