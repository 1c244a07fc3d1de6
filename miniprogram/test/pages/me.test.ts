// 我的: the avatar (chooseAvatar → wx.uploadFile → the server's picture), the nickname (saved on
// blur/confirm, 1–20 characters), the phone (getPhoneNumber's code → the server → masked; the
// user's refusal, the privacy guide, the quota and a used code), my orders and 退出登录.
import { MeController, MeData, initialMeData, type MeApi } from '../../src/pages/me/logic';
import { avatarSrc, charCount, checkNickname, phoneCode, uploadAvatar } from '../../src/utils/profile';
import { FakeView, FakeWx, apiError, opsClient, problem, settle, user } from './fakes';

const BASE = 'http://api.test';
const AVATAR = '/v1/images/' + 'a'.repeat(64);
const TEMP = 'http://tmp/wx-avatar-1.png'; // what chooseAvatar hands the page

function setup(me = user()) {
  const wx = new FakeWx();
  const view = new FakeView<MeData>(initialMeData());
  const ops = {
    getMe: jest.fn().mockResolvedValue(me),
    updateMe: jest.fn().mockImplementation((body: { nickname: string }) => ({ ...me, nickname: body.nickname })),
    bindPhone: jest.fn().mockResolvedValue({ ...me, phone: '138****1234' }),
  };
  const logins = { count: 0 };
  const api: MeApi = {
    client: opsClient(ops),
    baseUrl: BASE,
    ensureLogin: () => Promise.resolve('tok-1'),
    login: () => {
      logins.count++;
      return Promise.resolve(`tok-${logins.count + 1}`);
    },
  };
  const app = { logout: jest.fn().mockResolvedValue(undefined), whenLoggedIn: jest.fn().mockResolvedValue('tok-3') };
  const ctrl = new MeController(view, api, wx, app);
  return { wx, view, ops, api, app, ctrl, logins };
}

describe('profile helpers', () => {
  test('an avatar path hangs off the API base; an absolute URL stays', () => {
    expect(avatarSrc('http://api.test/', AVATAR)).toBe(`http://api.test${AVATAR}`);
    expect(avatarSrc(BASE, 'https://cdn.example.com/a.png')).toBe('https://cdn.example.com/a.png');
    expect(avatarSrc(BASE, undefined)).toBe('');
  });

  test('nicknames: trimmed, 1 to 20 characters as people count them', () => {
    expect(checkNickname('  小王  ')).toEqual({ nickname: '小王' });
    expect(checkNickname('   ')).toEqual({ error: 'nickname_empty' });
    expect(checkNickname('一二三四五六七八九十一二三四五六七八九十')).toEqual({ nickname: '一二三四五六七八九十一二三四五六七八九十' });
    expect(checkNickname('一二三四五六七八九十一二三四五六七八九十一')).toEqual({ error: 'nickname_too_long' });
    expect(charCount('😀😀')).toBe(2); // not 4 UTF-16 units
  });

  test("getPhoneNumber's detail: a code, or why there is none", () => {
    expect(phoneCode({ code: 'c1', errMsg: 'getPhoneNumber:ok' })).toEqual({ code: 'c1' });
    expect(phoneCode({ errMsg: 'getPhoneNumber:fail user deny' })).toEqual({ error: 'phone_denied' });
    expect(phoneCode({ errMsg: 'getPhoneNumber:fail:user deny' })).toEqual({ error: 'phone_denied' });
    expect(phoneCode({ errMsg: 'getPhoneNumber:fail no quota', errno: 1400001 })).toEqual({ error: 'phone_no_quota' });
    expect(phoneCode({ errMsg: 'getPhoneNumber:fail privacy permission is not authorized', errno: 104 })).toEqual({ error: 'phone_privacy' });
    expect(phoneCode({ errMsg: 'getPhoneNumber:ok' })).toEqual({ error: 'phone_failed' });
  });
});

describe('uploadAvatar', () => {
  test('multipart part `file` with the bearer token to POST /v1/me/avatar', async () => {
    const { wx, api } = setup();
    wx.uploadOutcomes = [{ status: 200, body: user({ avatar_url: AVATAR }) }];
    await expect(uploadAvatar(wx, api, TEMP)).resolves.toMatchObject({ avatar_url: AVATAR });
    expect(wx.uploads).toEqual([{ url: `${BASE}/v1/me/avatar`, filePath: TEMP, name: 'file', header: { Authorization: 'Bearer tok-1' } }]);
  });

  test('a stale token: logs in once and sends again', async () => {
    const { wx, api, logins } = setup();
    wx.uploadOutcomes = [{ status: 401, body: problem(401, 'unauthorized') }, { status: 200, body: user({ avatar_url: AVATAR }) }];
    await uploadAvatar(wx, api, TEMP);
    expect(logins.count).toBe(1);
    expect(wx.uploads.map((u) => u.header.Authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });
});

describe('我的 page', () => {
  test('shows the server\'s user: the avatar under the API base, the nickname, the phone masked', async () => {
    const { view, ctrl } = setup(user({ nickname: '小王', avatar_url: AVATAR, phone: '138****1234' }));
    await ctrl.load();
    expect(view.data).toMatchObject({ avatarSrc: `${BASE}${AVATAR}`, nickname: '小王', phone: '138****1234', loading: false, loadError: '' });
  });

  test('avatar: the chosen picture shows while uploading (上传中), then the server\'s', async () => {
    const { wx, view, ctrl } = setup();
    await ctrl.load();
    wx.uploadOutcomes = [{ status: 200, body: user({ avatar_url: AVATAR }) }];
    const done = ctrl.chooseAvatar(TEMP);
    expect(view.data).toMatchObject({ uploading: true, avatarSrc: TEMP });
    expect(wx.loadingDepth).toBe(1);
    await done;
    expect(view.data).toMatchObject({ uploading: false, avatarSrc: `${BASE}${AVATAR}` });
    expect(wx.loadingDepth).toBe(0);
    expect(wx.toastTitles()).toEqual(['头像已更新']);
  });

  test.each([
    [413, 'payload_too_large', '图片太大，请选择 2 MB 以内的图片'],
    [415, 'unsupported_media_type', '图片无法识别，请选择 JPG、PNG 或 GIF 图片'],
    [400, 'invalid_request', '图片无法识别，请换一张'],
    [500, 'internal', '服务器开小差了，请稍后再试'],
  ])('avatar refused with %i %s: the old picture comes back, and why', async (status, code, message) => {
    const { wx, view, ctrl } = setup(user({ avatar_url: AVATAR }));
    await ctrl.load();
    wx.uploadOutcomes = [{ status, body: problem(status, code) }];
    await ctrl.chooseAvatar(TEMP);
    expect(view.data).toMatchObject({ uploading: false, avatarSrc: `${BASE}${AVATAR}` });
    expect(wx.toastTitles()).toEqual([message]);
  });

  test('avatar: no answer at all says the upload failed', async () => {
    const { wx, view, ctrl } = setup();
    await ctrl.load();
    wx.uploadOutcomes = [{ errMsg: 'uploadFile:fail timeout' }];
    await ctrl.chooseAvatar(TEMP);
    expect(view.data).toMatchObject({ uploading: false, avatarSrc: '' });
    expect(wx.toastTitles()).toEqual(['头像上传失败，请重试']);
  });

  test('avatar: a second pick while one uploads is ignored', async () => {
    const { wx, ctrl } = setup();
    await Promise.all([ctrl.chooseAvatar(TEMP), ctrl.chooseAvatar('http://tmp/other.png')]);
    expect(wx.uploads).toHaveLength(1);
  });

  test('nickname: saved on blur (PUT /v1/me: wx.request has no PATCH), once for the same value', async () => {
    const { wx, view, ops, ctrl } = setup();
    await ctrl.load();
    await ctrl.saveNickname(' 小王 ');
    await ctrl.saveNickname('小王'); // the confirm that follows the same blur
    expect(ops.updateMe).toHaveBeenCalledTimes(1);
    expect(ops.updateMe).toHaveBeenCalledWith({ nickname: '小王' });
    expect(view.data).toMatchObject({ nickname: '小王', savingNickname: false });
    expect(wx.toastTitles()).toEqual(['昵称已保存']);
  });

  test('nickname: empty or longer than 20 is refused here, and the saved one comes back', async () => {
    const empty = setup(user({ nickname: '小王' }));
    await empty.ctrl.load();
    await empty.ctrl.saveNickname('');
    expect(empty.view.data.nickname).toBe('小王');
    expect(empty.wx.toastTitles()).toEqual(['昵称不能为空']);

    const long = setup(user({ nickname: '小王' }));
    await long.ctrl.load();
    await long.ctrl.saveNickname('一二三四五六七八九十一二三四五六七八九十一');
    expect(long.view.data.nickname).toBe('小王');
    expect(long.wx.toastTitles()).toEqual(['昵称最多 20 个字']);
    expect(empty.ops.updateMe).not.toHaveBeenCalled();
    expect(long.ops.updateMe).not.toHaveBeenCalled();
  });

  test('nickname: the server refusing it puts the saved one back', async () => {
    const { wx, view, ops, ctrl } = setup(user({ nickname: '小王' }));
    await ctrl.load();
    ops.updateMe.mockRejectedValue(apiError(400, 'invalid_request'));
    await ctrl.saveNickname('小李');
    expect(view.data.nickname).toBe('小王');
    expect(wx.toastTitles()).toEqual(['请求有误，请重试']);
  });

  test('nickname: typed again while saving, the last value is saved after', async () => {
    const { ops, view, ctrl } = setup();
    await ctrl.load();
    const first = ctrl.saveNickname('小李');
    void ctrl.saveNickname('小张');
    await first;
    await settle();
    expect(ops.updateMe.mock.calls).toEqual([[{ nickname: '小李' }], [{ nickname: '小张' }]]);
    expect(view.data.nickname).toBe('小张');
  });

  test('phone: the code goes to the server, which answers it masked', async () => {
    const { wx, view, ops, ctrl } = setup();
    await ctrl.load();
    await ctrl.phoneNumber({ code: 'phone-code-1', errMsg: 'getPhoneNumber:ok' });
    expect(ops.bindPhone).toHaveBeenCalledWith('phone-code-1');
    expect(view.data).toMatchObject({ phone: '138****1234', verifyingPhone: false });
    expect(wx.toastTitles()).toEqual(['手机号已验证']);
  });

  test('phone: the user refuses; nothing is sent', async () => {
    const { wx, ops, ctrl } = setup();
    await ctrl.phoneNumber({ errMsg: 'getPhoneNumber:fail user deny' });
    expect(ops.bindPhone).not.toHaveBeenCalled();
    expect(wx.toastTitles()).toEqual(['未授权手机号']);
  });

  test("phone: the quota is spent (errno 1400001): WeChat's quota message, nothing sent", async () => {
    const { wx, ops, ctrl } = setup();
    await ctrl.phoneNumber({ errMsg: 'getPhoneNumber:fail no quota', errno: 1400001 });
    expect(ops.bindPhone).not.toHaveBeenCalled();
    expect(wx.modals).toEqual([{ title: '暂时无法验证手机号', content: '该功能使用次数已达当前小程序上限，暂时无法使用', confirmText: undefined }]);
  });

  test('phone: the privacy guide refused; nothing is sent', async () => {
    const { wx, ops, ctrl } = setup();
    await ctrl.phoneNumber({ errMsg: 'getPhoneNumber:fail privacy permission is not authorized', errno: 104 });
    expect(ops.bindPhone).not.toHaveBeenCalled();
    expect(wx.toastTitles()).toEqual(['同意隐私保护指引后才能验证手机号']);
  });

  test('phone: a used or expired code (invalid_code) asks to verify again, not to log in', async () => {
    const { wx, view, ops, ctrl } = setup();
    await ctrl.load();
    ops.bindPhone.mockRejectedValue(apiError(400, 'invalid_code'));
    await ctrl.phoneNumber({ code: 'used-code' });
    expect(view.data).toMatchObject({ phone: '', verifyingPhone: false });
    expect(wx.toastTitles()).toEqual(['验证已过期，请重新验证手机号']);
  });

  test('我的订单 goes to the orders tab', () => {
    const { wx, ctrl } = setup();
    ctrl.openOrders();
    expect(wx.navigations).toEqual(['switchTab /pages/orders/index']);
  });

  test('退出登录: after confirming, the app logs out (the server revokes the token); 登录 brings the user back', async () => {
    const { wx, view, app, ops, ctrl } = setup(user({ nickname: '小王' }));
    await ctrl.load();
    await ctrl.logout();
    expect(wx.modals.map((m) => m.title)).toEqual(['退出登录']);
    expect(app.logout).toHaveBeenCalledTimes(1);
    expect(view.data).toMatchObject({ loggedIn: false, nickname: '', phone: '', avatarSrc: '' });
    expect(wx.toastTitles()).toEqual(['已退出登录']);

    await ctrl.login();
    expect(app.whenLoggedIn).toHaveBeenCalled();
    expect(ops.getMe).toHaveBeenCalledTimes(2);
    expect(view.data).toMatchObject({ loggedIn: true, nickname: '小王' });
  });

  test('退出登录 declined: nothing happens', async () => {
    const { wx, app, view, ctrl } = setup();
    wx.modalAnswers = [false];
    await ctrl.logout();
    expect(app.logout).not.toHaveBeenCalled();
    expect(view.data.loggedIn).toBe(true);
  });
});
