// The contract check must be able to fail, or the end-to-end test proves nothing: here it
// meets answers that break openapi.yaml in each way it looks for.
import { resolve } from 'path';
import { Contract } from './contract';
import { REPO_ROOT } from './server';

const contract = new Contract(resolve(REPO_ROOT, 'openapi.yaml'));
const API = 'http://127.0.0.1:1';
const user = { id: '0b6b2b7e-2f59-4a8e-8d4e-2b1f3c4d5e6f', openid: 'o1', created_at: '2026-01-01T00:00:00Z' };
const unauthorized = { type: 'urn:wxmp:problem:unauthorized', title: 'Unauthorized', status: 401, code: 'unauthorized' };

test('answers that keep the contract pass', () => {
  expect(contract.check('GET', `${API}/v1/me`, 200, 'application/json', JSON.stringify(user))).toEqual([]);
  expect(contract.check('GET', `${API}/v1/me`, 401, 'application/problem+json', JSON.stringify(unauthorized))).toEqual([]);
  expect(contract.check('POST', `${API}/v1/auth/logout`, 204, undefined, '')).toEqual([]);
  expect(contract.check('GET', `${API}/v1/orders?limit=5`, 200, 'application/json; charset=utf-8', '{"items":[]}')).toEqual([]);
});

test.each([
  ['a body that misses a required field', 'GET', '/v1/me', 200, 'application/json', JSON.stringify({ ...user, openid: undefined }), /must have required property 'openid'/],
  ['a value of the wrong format', 'GET', '/v1/me', 200, 'application/json', JSON.stringify({ ...user, id: 'nope' }), /must match format "uuid"/],
  ['a code outside ProblemCode', 'GET', '/v1/me', 401, 'application/problem+json', JSON.stringify({ ...unauthorized, code: 'teapot' }), /allowed values/],
  ['a status the operation does not declare', 'GET', '/v1/me', 404, 'application/problem+json', JSON.stringify(unauthorized), /status not declared/],
  ['a content type the status does not declare', 'GET', '/v1/me', 401, 'application/json', JSON.stringify(unauthorized), /content type/],
  ['a body where none is declared', 'POST', '/v1/auth/logout', 204, 'application/json', '{}', /declares no body/],
  ['a body that is not JSON', 'GET', '/v1/me', 200, 'application/json', 'oops', /not JSON/],
  ['a path the contract does not have', 'GET', '/v1/nope', 200, 'application/json', '{}', /no such operation/],
])('%s fails', (_, method, path, status, type, body, want) => {
  const violations = contract.check(method, `${API}${path}`, status, type, body);
  expect(violations.join('\n')).toMatch(want);
});
