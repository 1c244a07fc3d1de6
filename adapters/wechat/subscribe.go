package wechat

import (
	"context"
	"errors"
	"fmt"

	"github.com/wxmp/wxmp/domain"
)

// Subscribe messages (§13): subscribe/send with the shared access_token.

var _ domain.WeChatMessages = (*Platform)(nil)

const errNoSubscription = 43101 // the buyer refused, or has no send left

type subscribeValue struct {
	Value string `json:"value"`
}

// SendSubscribeMessage calls subscribe/send. 43101 is
// domain.ErrSubscriptionSpent; WeChat's other refusals (40003, 40037,
// 47003, 41030) a *domain.MessageRefusal.
func (p *Platform) SendSubscribeMessage(ctx context.Context, m domain.SubscribeMessage) error {
	data := make(map[string]subscribeValue, len(m.Data))
	for k, v := range m.Data {
		data[k] = subscribeValue{Value: v}
	}
	body := map[string]any{"touser": m.OpenID, "template_id": m.TemplateID, "page": m.Page, "data": data, "lang": "zh_CN"}
	err := p.call(ctx, "subscribe_send", "cgi-bin/message/subscribe/send", body, nil)
	var pe *PlatformError
	switch {
	case errors.As(err, &pe) && pe.Code == errNoSubscription:
		return fmt.Errorf("subscribe/send: %w", domain.ErrSubscriptionSpent)
	case errors.As(err, &pe) && pe.Code != errSystemBusy:
		return &domain.MessageRefusal{Reason: fmt.Sprintf("errcode %d: %s", pe.Code, pe.Message)}
	}
	return err
}
