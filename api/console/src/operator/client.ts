// The operator API client: openapi-fetch over the types generated from openapi.yaml, so every
// path, parameter and body is checked against the contract at compile time. One middleware adds
// the operator key; a 401 on any call ends the session (the key was revoked or is wrong).
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from '../shared/api.gen';
import { operatorKey, signOut } from './session';

const auth: Middleware = {
  onRequest({ request }) {
    const key = operatorKey();
    if (key && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${key}`);
    return request;
  },
  onResponse({ request, response }) {
    // The sign-in form sends its candidate key itself and handles its own 401.
    if (response.status === 401 && request.headers.get('Authorization') === `Bearer ${operatorKey()}`) signOut();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin });
api.use(auth);

export type Schemas = import('../shared/api.gen').components['schemas'];
