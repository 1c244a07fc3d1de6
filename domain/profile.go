package domain

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The buyer's profile (README: "The buyer's side"): a nickname, an avatar
// and a verified phone number. Images are kept behind one storage port
// (Images), so that a merchant can move them to object storage without
// touching this.

// Profile is what the buyer set about themselves.
type Profile struct {
	Nickname    string
	AvatarID    string // the image, "" until uploaded
	PhoneMasked string // 138****1234, "" until verified
}

// WithProfile is the user with what they set about themselves.
func (u User) WithProfile(p Profile) User { u.profile = p; return u }

// Profile is what the user set about themselves.
func (u User) Profile() Profile { return u.profile }

// MaxNickname is WeChat's nickname input's length, in characters.
const MaxNickname = 20

// Image is a stored picture: its content address and type.
type Image struct {
	ID          string // hex SHA-256 of Bytes
	ContentType string // image/jpeg or image/png
	Bytes       []byte
}

// Image errors.
var (
	// ErrNotAnImage: the upload is not a picture we read (or is cut short).
	ErrNotAnImage = errors.New("not an image (JPEG, PNG or GIF)")
	// ErrImageTooLarge: the upload is over MaxImageBytes.
	ErrImageTooLarge = errors.New("image too large")
)

// MaxImageBytes bounds an upload; a phone's avatar is far smaller.
const MaxImageBytes = 2 << 20

// Pictures turns an upload into the stored picture: sniffed from its
// bytes, decoded, at most a size, re-encoded without its metadata.
type Pictures interface {
	Normalize(raw []byte) (Image, error)
}

// Phone is a verified phone number.
type Phone struct {
	Number      string // with the country code when not 86
	PureNumber  string
	CountryCode string
}

// Masked keeps the first three and last four digits.
func (p Phone) Masked() string {
	n := p.PureNumber
	if utf8.RuneCountInString(n) < 8 {
		return strings.Repeat("*", len(n))
	}
	return n[:3] + strings.Repeat("*", len(n)-7) + n[len(n)-4:]
}

// ErrPhoneCodeInvalid: the getPhoneNumber code is used, expired or not
// this mini-program's. Unlike a login code's, it says nothing about the
// session (a 400, never a 401 that would make the client log in again).
var ErrPhoneCodeInvalid = errors.New("phone code is invalid, used or expired")

// WeChatPhone is getuserphonenumber. ErrPhoneCodeInvalid for a used,
// expired or foreign code.
type WeChatPhone interface {
	PhoneNumber(ctx context.Context, code string) (Phone, error)
}

// Profiles stores profiles and images.
type Profiles interface {
	SetNickname(ctx context.Context, userID uuid.UUID, nickname string) (Profile, error)
	// SetAvatar stores the image (once per content) and makes it the avatar.
	SetAvatar(ctx context.Context, userID uuid.UUID, img Image) (Profile, error)
	// SetPhone stores the phone sealed at rest, and its masked form.
	SetPhone(ctx context.Context, userID uuid.UUID, p Phone) (Profile, error)
	// Image is a stored image, or ErrNotFound.
	Image(ctx context.Context, id string) (Image, error)
}

// EditProfile is the buyer's profile use cases.
type EditProfile struct {
	store    Profiles
	pictures Pictures
	phone    WeChatPhone
}

func NewEditProfile(store Profiles, pictures Pictures, phone WeChatPhone) *EditProfile {
	return &EditProfile{store: store, pictures: pictures, phone: phone}
}

// Nickname sets the nickname (1 to 20 characters, trimmed).
func (u *EditProfile) Nickname(ctx context.Context, s Session, nickname string) (User, error) {
	nickname = strings.TrimSpace(nickname)
	if n := utf8.RuneCountInString(nickname); n == 0 || n > MaxNickname || !utf8.ValidString(nickname) {
		return User{}, &InvalidError{What: "nickname", Reason: "a nickname is 1 to 20 characters"}
	}
	p, err := u.store.SetNickname(ctx, s.User().ID(), nickname)
	return s.User().WithProfile(p), err
}

// Avatar stores the upload as the avatar, normalized; a bad file stores
// nothing.
func (u *EditProfile) Avatar(ctx context.Context, s Session, raw []byte) (User, error) {
	if len(raw) > MaxImageBytes {
		return User{}, ErrImageTooLarge
	}
	img, err := u.pictures.Normalize(raw)
	if err != nil {
		return User{}, err
	}
	p, err := u.store.SetAvatar(ctx, s.User().ID(), img)
	return s.User().WithProfile(p), err
}

// Phone verifies the code from getPhoneNumber with WeChat and keeps the number.
func (u *EditProfile) Phone(ctx context.Context, s Session, code string) (User, error) {
	ph, err := u.phone.PhoneNumber(ctx, code)
	if err != nil {
		return User{}, err
	}
	p, err := u.store.SetPhone(ctx, s.User().ID(), ph)
	return s.User().WithProfile(p), err
}

// Image is a stored picture, for serving.
func (u *EditProfile) Image(ctx context.Context, id string) (Image, error) {
	return u.store.Image(ctx, id)
}
