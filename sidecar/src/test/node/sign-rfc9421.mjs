// Signs a fixed set of requests with http-message-signatures (an RFC 9421 implementation
// written independently of Sigcar) and prints each signed request as one JSON line, for
// Rfc9421InteropTest to verify with Sigcar's own verifier.
// Usage: node sign-rfc9421.mjs <hmac key hex> <created epoch seconds>
import { createHash } from 'node:crypto';
import pkg from 'http-message-signatures';

const { httpbis, createSigner } = pkg;
const [keyHex, createdArg] = process.argv.slice(2);
const key = Buffer.from(keyHex, 'hex');
const created = Number(createdArg);

const digest = (alg, body) => `${alg}=:${createHash(alg.replace('-', '')).update(body).digest('base64')}:`;

const cases = [
  {
    name: 'get-minimal',
    request: { method: 'GET', url: 'https://api.example.com/items?id=7', headers: {} },
    fields: ['@method', '@authority', '@path', '@query'],
  },
  {
    name: 'post-json-sha256',
    request: {
      method: 'POST',
      url: 'https://api.example.com/orders',
      headers: { 'Content-Type': 'application/json' },
      body: '{"hello": "world"}',
    },
    digestAlg: 'sha-256',
    fields: ['@method', '@authority', '@path', '@query', 'content-type', 'content-digest'],
  },
  {
    name: 'post-derived-sha512-nonce',
    request: {
      method: 'POST',
      url: 'https://api.example.com/v1/pay?id=42&mode=fast',
      headers: { 'Content-Type': 'text/plain', 'X-Request-Id': 'abc-123' },
      body: 'pay 42 please',
    },
    digestAlg: 'sha-512',
    nonce: 'n-7f3a',
    fields: ['@method', '@authority', '@path', '@query', '@target-uri', '@scheme', '@request-target',
      '"@query-param";name="id"', 'x-request-id', 'content-digest'],
  },
  {
    name: 'put-port',
    request: {
      method: 'PUT',
      url: 'http://svc.local:8080/x/y?b=2&a=1',
      headers: { Date: 'Tue, 20 Apr 2021 02:07:55 GMT' },
    },
    fields: ['@method', '@authority', '@path', '@query', 'date'],
  },
];

for (const c of cases) {
  const request = { ...c.request, headers: { ...c.request.headers } };
  if (c.digestAlg) {
    request.headers['Content-Digest'] = digest(c.digestAlg, request.body);
  }
  const paramValues = { created: new Date(created * 1000), expires: new Date((created + 300) * 1000) };
  if (c.nonce) {
    paramValues.nonce = c.nonce;
  }
  const signed = await httpbis.signMessage({
    key: createSigner(key, 'hmac-sha256', 'node-key'),
    name: 'sig1',
    fields: c.fields,
    params: ['keyid', 'alg', 'created', 'expires', 'nonce'],
    paramValues,
  }, request);
  process.stdout.write(JSON.stringify({
    name: c.name, method: signed.method, url: signed.url, headers: signed.headers, body: signed.body ?? '',
  }) + '\n');
}
