// The delivery address for physical goods: wx.chooseAddress (the user picks one of the
// addresses WeChat keeps for them), mapped to the API's ShippingAddress:
//   userName → name, telNumber → phone, provinceName → province, cityName → city,
//   countyName → district, detailInfo → detail, postalCode → postal_code
// Only what the contract takes goes out: an empty district and a postal code that is not six
// digits are left off, and an address without a name, phone, province, city or street is
// refused here (address_incomplete) instead of by the server.
//
// wx.chooseAddress must be declared in app.json's requiredPrivateInfos and in the privacy guide
// (用户隐私保护指引) of the admin console; its failures are told apart by addressErrorCode
// (utils/errors.ts).
import type { ShippingAddress } from '../api/index';
import { addressErrorCode, type AddressErrorCode } from './errors';
import type { ChosenAddress, PageWx, WxFail } from './wx';

/** A failed wx.chooseAddress; `code` is what errors.ts turns into the user's sentence. */
export class AddressError extends Error {
  constructor(
    readonly code: AddressErrorCode,
    readonly errMsg: string,
  ) {
    super(errMsg);
    this.name = 'AddressError';
  }
}

/** wx.chooseAddress's answer as a ShippingAddress, or undefined when it lacks a required part. */
export function toShippingAddress(res: ChosenAddress): ShippingAddress | undefined {
  const t = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
  const name = t(res.userName);
  const phone = t(res.telNumber);
  const province = t(res.provinceName);
  const city = t(res.cityName);
  const detail = t(res.detailInfo);
  if (!name || phone.length < 5 || !province || !city || !detail) return undefined;
  const address: ShippingAddress = { name, phone, province, city, detail };
  const district = t(res.countyName);
  if (district) address.district = district;
  const postal = t(res.postalCode);
  if (/^[0-9]{6}$/.test(postal)) address.postal_code = postal;
  return address;
}

/** Asks the user for an address; rejects with an AddressError. */
export function chooseAddress(wx: Pick<PageWx, 'chooseAddress'>): Promise<ShippingAddress> {
  return new Promise((resolve, reject) => {
    wx.chooseAddress({
      success: (res) => {
        const address = toShippingAddress(res);
        if (address) resolve(address);
        else reject(new AddressError('address_incomplete', 'chooseAddress:ok but incomplete'));
      },
      fail: (err: WxFail) => {
        const msg = err?.errMsg ?? 'chooseAddress:fail';
        reject(new AddressError(addressErrorCode(msg, err?.errno), msg));
      },
    });
  });
}
