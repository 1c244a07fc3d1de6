/**
 * @jest-environment jsdom
 */
// The 我的 page rendered from its real WXML (render.ts): WeChat's buttons' events reach the
// page's handlers with their e.detail, and the server's user comes back down into the view.
import { flush, tap, text } from '../components/load';
import { problem, settle, user } from './fakes';
import { cleanupPageGlobals, renderPage } from './render';

afterEach(cleanupPageGlobals);

const AVATAR = '/v1/images/' + 'b'.repeat(64);

function client() {
  return {
    getMe: jest.fn().mockResolvedValue(user({ nickname: '小王', phone: '138****1234' })),
    updateMe: jest.fn().mockImplementation((b: { nickname: string }) => user({ nickname: b.nickname, phone: '138****1234' })),
    bindPhone: jest.fn().mockResolvedValue(user({ nickname: '小王', phone: '139****0000' })),
  };
}

describe('我的 page, rendered', () => {
  test('the user as the server has it', async () => {
    const { page } = renderPage('me', client());
    await settle();
    expect(page.data).toMatchObject({ nickname: '小王', phone: '138****1234' });
    expect(text(page, '.phone')).toBe('138****1234');
    expect(text(page, '.verify-phone')).toBe('更换');
    expect(text(page, '.avatar.placeholder')).toBe('头像');
  });

  test('chooseAvatar → upload (上传中) → the server\'s picture under the API base', async () => {
    const { page, wx } = renderPage('me', client(), {}, (w) => {
      w.uploadOutcomes = [{ status: 200, body: user({ avatar_url: AVATAR }), held: true }];
    });
    await settle();
    page.querySelector('.avatar-button')!.dispatchEvent('chooseavatar', { detail: { avatarUrl: 'http://tmp/a.png' } });
    await settle();
    expect(text(page, '.avatar-busy')).toBe('上传中');
    expect(page.data.avatarSrc).toBe('http://tmp/a.png'); // the chosen picture meanwhile
    wx.release();
    await settle();
    expect(wx.uploads.map((u) => [u.url, u.filePath, u.name])).toEqual([['http://api.test/v1/me/avatar', 'http://tmp/a.png', 'file']]);
    expect(page.data.avatarSrc).toBe(`http://api.test${AVATAR}`);
    expect(page.querySelector('.avatar-busy')).toBeUndefined();
  });

  test('a file the server will not take: the reason, and the placeholder again', async () => {
    const { page, wx } = renderPage('me', client(), {}, (w) => {
      w.uploadOutcomes = [{ status: 415, body: problem(415, 'unsupported_media_type') }];
    });
    await settle();
    page.querySelector('.avatar-button')!.dispatchEvent('chooseavatar', { detail: { avatarUrl: 'http://tmp/a.bmp' } });
    await settle();
    expect(wx.toastTitles()).toEqual(['图片无法识别，请选择 JPG、PNG 或 GIF 图片']);
    expect(text(page, '.avatar.placeholder')).toBe('头像');
  });

  test('the nickname input saves on blur', async () => {
    const c = client();
    const { page } = renderPage('me', c);
    await settle();
    page.querySelector('.nickname')!.dispatchEvent('blur', { detail: { value: '小李' } });
    await settle();
    expect(c.updateMe).toHaveBeenCalledWith({ nickname: '小李' });
    expect(page.data.nickname).toBe('小李');
  });

  test('getPhoneNumber: the code goes up to the server; a refusal sends nothing', async () => {
    const c = client();
    const { page, wx } = renderPage('me', c);
    await settle();
    page.querySelector('.verify-phone')!.dispatchEvent('getphonenumber', { detail: { errMsg: 'getPhoneNumber:fail user deny' } });
    await settle();
    expect(c.bindPhone).not.toHaveBeenCalled();
    expect(wx.toastTitles()).toEqual(['未授权手机号']);

    page.querySelector('.verify-phone')!.dispatchEvent('getphonenumber', { detail: { errMsg: 'getPhoneNumber:ok', code: 'code-9' } });
    await settle();
    expect(c.bindPhone).toHaveBeenCalledWith('code-9');
    expect(text(page, '.phone')).toBe('139****0000');
  });

  test('我的订单, and 退出登录 then 登录', async () => {
    const { page, wx, app } = renderPage('me', client());
    await settle();
    tap(page, '.orders');
    await flush();
    expect(wx.navigations).toEqual(['switchTab /pages/orders/index']);

    tap(page, '.logout');
    await settle();
    expect(app.logouts).toBe(1);
    expect(text(page, '.logged-out .muted')).toBe('已退出登录');
    expect(page.querySelector('.nickname')).toBeUndefined();

    tap(page, '.login');
    await settle();
    expect(page.data).toMatchObject({ loggedIn: true, nickname: '小王' });
  });
});
