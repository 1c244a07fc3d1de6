package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/wxmp/wxmp/domain"
)

// The buyer's phone number (§12, 手机号快速验证): the code from the
// getPhoneNumber button, exchanged with the shared access_token.

var _ domain.WeChatPhone = (*Platform)(nil)

type phoneReply struct {
	PhoneInfo struct {
		PhoneNumber     string          `json:"phoneNumber"`
		PurePhoneNumber string          `json:"purePhoneNumber"`
		CountryCode     json.RawMessage `json:"countryCode"` // "86" by the table, 86 in WeChat's example: both are read
		Watermark       struct {
			AppID string `json:"appid"`
		} `json:"watermark"`
	} `json:"phone_info"`
}

const errPhoneCode = 40029 // invalid, used or expired code (or a wx.login code)

// PhoneNumber calls getuserphonenumber. A code WeChat refuses is
// domain.ErrPhoneCodeInvalid; its minute quota, domain.ErrRateLimited.
func (p *Platform) PhoneNumber(ctx context.Context, code string) (domain.Phone, error) {
	var r phoneReply
	err := p.call(ctx, "getuserphonenumber", "wxa/business/getuserphonenumber", map[string]string{"code": code}, &r)
	var pe *PlatformError
	switch {
	case errors.As(err, &pe) && pe.Code == errPhoneCode:
		return domain.Phone{}, fmt.Errorf("getuserphonenumber: %w", domain.ErrPhoneCodeInvalid)
	case errors.As(err, &pe) && pe.Code == errRateLimited:
		return domain.Phone{}, fmt.Errorf("getuserphonenumber: %w", domain.ErrRateLimited)
	case err != nil:
		return domain.Phone{}, err
	}
	info := r.PhoneInfo
	cc := strings.Trim(string(info.CountryCode), `"`)
	switch {
	case info.Watermark.AppID != "" && info.Watermark.AppID != p.appID:
		return domain.Phone{}, fmt.Errorf("getuserphonenumber: a number for appid %q: %w", info.Watermark.AppID, domain.ErrWeChatUnavailable)
	case info.PurePhoneNumber == "" || strings.Trim(info.PurePhoneNumber, "0123456789") != "" || strings.Trim(cc, "0123456789") != "":
		return domain.Phone{}, fmt.Errorf("getuserphonenumber: no number in the answer: %w", domain.ErrWeChatUnavailable)
	}
	return domain.Phone{Number: info.PhoneNumber, PureNumber: info.PurePhoneNumber, CountryCode: cc}, nil
}
