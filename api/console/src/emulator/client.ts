// The emulator's control API client: openapi-fetch over the types generated from
// adapters/wechat/emulator/control.openapi.yaml. The page is served by the emulator itself,
// so it calls its own origin; the control API has no key (the emulator is loopback only).
import createClient from 'openapi-fetch';
import type { components, paths } from '../shared/emulator-api.gen';

export const emu = createClient<paths>({ baseUrl: location.origin });
export type Schemas = components['schemas'];
