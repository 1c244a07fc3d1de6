// The one place the mini-program learns where the wxmp API is. `make run` serves it on
// :8080. For a device or production, point this at the HTTPS domain listed in the
// mini-program's request whitelist (开发管理 → 服务器域名); WeChat refuses other hosts.
export const API_BASE = 'http://localhost:8080';

// Where `make run` serves the WeChat emulator (EMULATOR_ADDR). Used only inside WeChat
// DevTools against a local API_BASE, to stand in for wx.login and wx.requestPayment
// (see utils/devtools.ts); never on a phone or against another server.
export const EMULATOR_BASE = 'http://127.0.0.1:8081';
