// The WeChat emulator's control API from Node, through openapi-fetch over the types generated
// from its spec (adapters/wechat/emulator/control.openapi.yaml): what the buyer's phone, a bad
// day at WeChat or a person at WeChat Pay's end does, for the steps a test does not take through
// the emulator console.
import createClient from 'openapi-fetch';
import type { components, paths } from '../src/shared/emulator-api.gen';
import type { Server } from './server';

type Schemas = components['schemas'];

export class WeChat {
  private readonly emu;

  constructor(server: Server) {
    this.emu = createClient<paths>({ baseUrl: server.emulator });
  }

  /** What wx.login gives the phone of a test user. */
  async loginCode(user: string): Promise<string> {
    const { data, response } = await this.emu.POST('/emulator/login-codes', { body: { user } });
    if (!data) throw new Error(`mint a login code: ${response.status}`);
    return data.code;
  }

  /** What tapping the getPhoneNumber button gives a test user's phone: the code to hand the service. */
  async phoneCode(user: string): Promise<Schemas['PhoneCode']> {
    const { data, response } = await this.emu.POST('/emulator/phone-codes', { body: { user } });
    if (!data) throw new Error(`mint a phone code: ${response.status}`);
    return data;
  }

  /** What a test user answered in wx.requestSubscribeMessage's popup, by template id. */
  async answerPopup(user: string, results: Record<string, Schemas['SubscribeResult']>): Promise<Record<string, string>> {
    const { data, response } = await this.emu.POST('/emulator/subscriptions', { body: { user, results } });
    if (!data) throw new Error(`subscribe ${user}: ${response.status}`);
    return data.result;
  }

  /** The subscribe messages a test user's phone shows, latest first. */
  async messages(user: string): Promise<Schemas['SubscribeMessage'][]> {
    const { data, response } = await this.emu.GET('/emulator/messages', { params: { query: { user } } });
    if (!data) throw new Error(`messages of ${user}: ${response.status}`);
    return data.items;
  }

  /** The buyer pays the order's transaction; WeChat then notifies the service. */
  async pay(outTradeNo: string): Promise<void> {
    const { data, response } = await this.emu.POST('/emulator/transactions/{no}/pay', { params: { path: { no: outTradeNo } } });
    if (!data) throw new Error(`pay ${outTradeNo}: ${response.status}`);
  }

  /** Makes the next calls of an endpoint misbehave (POST /emulator/faults). */
  async fault(fault: Schemas['Fault']): Promise<void> {
    const { data, response } = await this.emu.POST('/emulator/faults', { body: fault });
    if (!data) throw new Error(`queue ${JSON.stringify(fault)}: ${response.status}`);
  }

  async clearFaults(): Promise<void> {
    const { response } = await this.emu.DELETE('/emulator/faults');
    if (response.status !== 204) throw new Error(`clear faults: ${response.status}`);
  }

  /** Lets WeChat Pay's bill API hand out the day's trade bill now (yyyy-MM-dd, Beijing). */
  async billReady(day: string): Promise<void> {
    const { data, response } = await this.emu.POST('/emulator/bills/{day}/ready', { params: { path: { day } } });
    if (!data) throw new Error(`make the bill of ${day} ready: ${response.status}`);
  }

  /** The order shipping management's order of a paid transaction, by out_trade_no. */
  async shippingOrder(outTradeNo: string): Promise<Schemas['ShippingOrder'] | undefined> {
    const { data, response } = await this.emu.GET('/emulator/shipping');
    if (!data) throw new Error(`shipping orders: ${response.status}`);
    return data.items.find((o) => o.out_trade_no === outTradeNo);
  }

  /** Ends a PROCESSING refund now, or finishes an ABNORMAL one as a person does (it ends SUCCESS). */
  async completeRefund(outRefundNo: string): Promise<Schemas['Refund']> {
    const { data, response } = await this.emu.POST('/emulator/refunds/{out_refund_no}/complete', { params: { path: { out_refund_no: outRefundNo } } });
    if (!data) throw new Error(`complete refund ${outRefundNo}: ${response.status}`);
    return data;
  }
}
