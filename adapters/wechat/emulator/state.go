package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/login"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/phone"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/push"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/shipping"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/subscribe"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/token"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxpay"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// stateFile is what Config.StateFile holds: each part's state, so that a
// restarted emulator (make run, again) still knows the users, transactions
// and refunds the database beside it remembers.
type stateFile struct {
	Version  int             `json:"version"`
	Login    login.State     `json:"login"`
	Token    *token.State    `json:"token,omitempty"`
	Pay      *wxpay.State    `json:"pay,omitempty"`
	Shipping *shipping.State `json:"shipping,omitempty"`
	Push     *push.State     `json:"push,omitempty"`
	// Phone and Subscribe are absent from files written before they
	// existed.
	Phone     *phone.State     `json:"phone,omitempty"`
	Subscribe *subscribe.State `json:"subscribe,omitempty"`
}

// legacyLogin is what an emulator kept of the access_token before package
// token had it: the one stable token, beside the users.
type legacyLogin struct {
	Login struct {
		Token       string    `json:"access_token"`
		TokenExpiry time.Time `json:"access_token_expires_at"`
	} `json:"login"`
}

const stateVersion = 1

// saveEvery is how often a changed state is written; Close writes the last.
const saveEvery = time.Second

// keeper writes the emulator's state to its file while it runs.
type keeper struct {
	path    string
	onError func(error)
	mu      sync.Mutex // one write at a time; guards last
	last    []byte
}

// restore loads path into the parts, when the file exists.
func (e *Emulator) restore(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var s stateFile
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%s: %w (delete it to start afresh)", path, err)
	}
	if s.Version != stateVersion {
		return fmt.Errorf("%s: version %d, this emulator keeps version %d (delete it to start afresh)", path, s.Version, stateVersion)
	}
	if err := e.login.Restore(s.Login); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if s.Token != nil {
		if err := e.token.Restore(*s.Token); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	} else {
		var old legacyLogin
		_ = json.Unmarshal(b, &old) // it parsed as a stateFile already
		e.token.RestoreLegacy(old.Login.Token, old.Login.TokenExpiry)
	}
	if s.Pay != nil && e.pay != nil {
		if err := e.pay.Restore(*s.Pay); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if s.Shipping != nil && e.ship != nil {
		if err := e.ship.Restore(*s.Shipping); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if s.Push != nil && e.push != nil {
		if err := e.push.Restore(*s.Push); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if s.Phone != nil {
		if err := e.phone.Restore(*s.Phone); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if s.Subscribe != nil {
		if err := e.sub.Restore(*s.Subscribe); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}

// snapshot serialises every part's state.
func (e *Emulator) snapshot() []byte {
	tok, ph, sub := e.token.State(), e.phone.State(), e.sub.State()
	s := stateFile{Version: stateVersion, Login: e.login.State(), Token: &tok, Phone: &ph, Subscribe: &sub}
	if e.pay != nil {
		p := e.pay.State()
		s.Pay = &p
	}
	if e.ship != nil {
		sh := e.ship.State()
		s.Shipping = &sh
	}
	if e.push != nil {
		ps := e.push.State()
		s.Push = &ps
	}
	b, _ := json.MarshalIndent(s, "", " ") // plain structs always marshal
	return b
}

// save writes the state if it changed since the last write.
func (e *Emulator) save() error {
	k := e.keeper
	k.mu.Lock()
	defer k.mu.Unlock()
	b := e.snapshot()
	if bytes.Equal(b, k.last) {
		return nil
	}
	if err := wxshared.WriteFileWhole(k.path, b); err != nil {
		return err
	}
	k.last = b
	return nil
}

// keep writes the state every saveEvery while it changes, until Close.
func (e *Emulator) keep() {
	e.bg.Go(func() {
		t := time.NewTicker(saveEvery)
		defer t.Stop()
		for {
			select {
			case <-e.bg.Stopped().Done():
				return
			case <-t.C:
				if err := e.save(); err != nil {
					e.keeper.onError(err)
				}
			}
		}
	})
}
