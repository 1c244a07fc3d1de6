// `wx` for Node, backed by the real server and the WeChat emulator, so the client runs
// unchanged: wx.request is fetch, wx.login asks the emulator for a code as the WeChat app
// would, and wx.requestPayment hands the five arguments to the emulator, which checks
// paySign like the WeChat app and then notifies the server like WeChat Pay.
//
// Every answer wx.request receives is checked against openapi.yaml; what breaks the
// contract is collected in `violations` for the test to assert empty.
import { readFile } from 'fs/promises';
import { basename } from 'path';
import type { PaymentParams, WxLike } from '../../src/api/index';
import type { WxResponse } from '@wxmp/wx-client';
import type { Contract } from './contract';

type RequestOptions = Parameters<WxLike['request']>[0];

export interface Sent {
  method: string;
  path: string;
  authorization?: string;
}

export class NodeWx implements WxLike {
  readonly storage = new Map<string, string>();
  readonly violations: string[] = [];
  readonly sent: Sent[] = [];
  /** Answers checked against the contract. */
  checked = 0;
  logins = 0;
  /** The openid the emulator gave the user at the last wx.login. */
  openid?: string;

  constructor(
    private readonly emulator: string,
    private readonly contract: Contract,
    private readonly user = 'e2e-alice',
  ) {}

  request(options: RequestOptions): void {
    // wx.request sends content-type application/json unless told otherwise, body or not.
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const [k, v] of Object.entries(options.header)) headers[k.toLowerCase()] = v;
    this.sent.push({ method: options.method, path: new URL(options.url).pathname, authorization: headers.authorization });
    fetch(options.url, { method: options.method, headers, body: options.data })
      .then(async (res) => {
        const text = await res.text();
        const header: Record<string, string> = {};
        res.headers.forEach((v, k) => (header[k] = v));
        this.violations.push(...this.contract.check(options.method, options.url, res.status, header['content-type'], text));
        this.checked += 1;
        // dataType 'json': wx parses the body and hands back the text when that fails.
        let data: unknown = text;
        try {
          data = JSON.parse(text);
        } catch {
          /* keep the text */
        }
        const out: WxResponse = { statusCode: res.status, data, header };
        options.success(out);
      })
      .catch((err: Error) => options.fail({ errMsg: `request:fail ${err.message}` }));
  }

  login(options: Parameters<WxLike['login']>[0]): void {
    this.logins += 1;
    this.emulatorPost('/emulator/login-codes', { user: this.user })
      .then((res) => {
        const { code, openid } = res as { code: string; openid: string };
        this.openid = openid;
        options.success({ code });
      })
      .catch((err: Error) => options.fail({ errMsg: `login:fail ${err.message}` }));
  }

  /** What the user taps in the subscribe popup, per template id; accept when unset. */
  subscribeChoices: Record<string, string> = {};

  canIUse(schema: string): boolean {
    return schema === 'requestSubscribeMessage';
  }

  /**
   * wx.requestSubscribeMessage: the user's choices go to the emulator as the phone would
   * record them (POST /emulator/subscriptions), and its answer is the success result.
   */
  requestSubscribeMessage(options: {
    tmplIds: string[];
    success?: (res: Record<string, string>) => void;
    fail?: (err: { errMsg: string; errCode?: number }) => void;
  }): void {
    const results: Record<string, string> = {};
    for (const id of options.tmplIds) results[id] = this.subscribeChoices[id] ?? 'accept';
    this.emulatorPost('/emulator/subscriptions', { user: this.user, results })
      .then((res) => options.success?.((res as { result: Record<string, string> }).result))
      .catch((err: Error) => options.fail?.({ errMsg: `requestSubscribeMessage:fail ${err.message}` }));
  }

  /**
   * wx.uploadFile: multipart/form-data with the file under `name`, as WeChat sends it; the
   * answer's text is checked against the contract like wx.request's.
   */
  uploadFile(options: {
    url: string;
    filePath: string;
    name: string;
    header?: Record<string, string>;
    success?: (res: { data: string; statusCode: number }) => void;
    fail?: (err: { errMsg: string }) => void;
  }): void {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.header ?? {})) headers[k.toLowerCase()] = v;
    this.sent.push({ method: 'POST', path: new URL(options.url).pathname, authorization: headers.authorization });
    readFile(options.filePath)
      .then(async (bytes) => {
        const form = new FormData();
        form.append(options.name, new Blob([bytes]), basename(options.filePath));
        const res = await fetch(options.url, { method: 'POST', headers, body: form });
        const text = await res.text();
        this.violations.push(...this.contract.check('POST', options.url, res.status, res.headers.get('content-type') ?? undefined, text));
        this.checked += 1;
        options.success?.({ statusCode: res.status, data: text });
      })
      .catch((err: Error) => options.fail?.({ errMsg: `uploadFile:fail ${err.message}` }));
  }

  /** wx.requestPayment: exactly the five arguments, as WeChat's own API takes them. */
  requestPayment(
    options: PaymentParams & { success(res: { errMsg: string }): void; fail(err: { errMsg: string }): void },
  ): void {
    const { timeStamp, nonceStr, package: pkg, signType, paySign } = options;
    this.emulatorPost('/emulator/payments', { timeStamp, nonceStr, package: pkg, signType, paySign })
      .then((res) => {
        const state = (res as { trade_state?: string }).trade_state;
        if (state === 'SUCCESS') options.success({ errMsg: 'requestPayment:ok' });
        else options.fail({ errMsg: `requestPayment:fail trade_state ${state}` });
      })
      .catch((err: Error) => options.fail({ errMsg: `requestPayment:fail ${err.message}` }));
  }

  getStorageSync(key: string): unknown {
    return this.storage.get(key) ?? '';
  }

  setStorageSync(key: string, value: string): void {
    this.storage.set(key, value);
  }

  removeStorageSync(key: string): void {
    this.storage.delete(key);
  }

  private async emulatorPost(path: string, body: unknown): Promise<unknown> {
    const res = await fetch(this.emulator + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  }
}

/** wx.requestPayment as a promise. */
export function requestPayment(wx: NodeWx, payment: PaymentParams): Promise<void> {
  return new Promise((resolve, reject) =>
    wx.requestPayment({ ...payment, success: () => resolve(), fail: (err) => reject(new Error(err.errMsg)) }),
  );
}
