// Package images turns an uploaded picture into the one the service keeps
// (domain.Pictures): the type is sniffed from the bytes, never taken from
// the file name or the client's header; the picture is decoded (JPEG,
// PNG, GIF, WebP), scaled down to at most MaxSide pixels a side, and
// encoded again, which leaves every piece of metadata behind (EXIF with
// its GPS position, comments, colour profiles). Pictures with transparency
// stay PNG; the rest become JPEG.
package images

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/wxmp/wxmp/domain"
)

// MaxSide is the longest side kept: an avatar is shown at 100 px or so.
const MaxSide = 512

// MaxPixels refuses a picture whose header claims more pixels than a phone
// photo has, before it is decoded (a small file can claim a huge image).
const MaxPixels = 50_000_000

// Pictures is the standard-library (and x/image) implementation.
type Pictures struct{}

var _ domain.Pictures = Pictures{}

func (Pictures) Normalize(raw []byte) (domain.Image, error) {
	if len(raw) > domain.MaxImageBytes {
		return domain.Image{}, domain.ErrImageTooLarge
	}
	decode, cfg, err := sniff(raw)
	if err != nil {
		return domain.Image{}, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return domain.Image{}, fmt.Errorf("%w: %d×%d pixels", domain.ErrNotAnImage, cfg.Width, cfg.Height)
	}
	img, err := decode(bytes.NewReader(raw))
	if err != nil {
		return domain.Image{}, fmt.Errorf("%w: %v", domain.ErrNotAnImage, err) // cut short or corrupt
	}
	img = fit(img)
	var out bytes.Buffer
	contentType := "image/jpeg"
	if opaque(img) {
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 85})
	} else {
		contentType = "image/png"
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, img)
	}
	if err != nil {
		return domain.Image{}, fmt.Errorf("encode image: %w", err)
	}
	sum := sha256.Sum256(out.Bytes())
	return domain.Image{ID: hex.EncodeToString(sum[:]), ContentType: contentType, Bytes: out.Bytes()}, nil
}

type decoder func(r *bytes.Reader) (image.Image, error)

// sniff picks the decoder by the file's magic bytes and reads its header.
func sniff(raw []byte) (decoder, image.Config, error) {
	type format struct {
		magic  []byte
		at     int
		config func(*bytes.Reader) (image.Config, error)
		decode decoder
	}
	for _, f := range []format{
		{[]byte("\xff\xd8\xff"), 0, func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) }, func(r *bytes.Reader) (image.Image, error) { return jpeg.Decode(r) }},
		{[]byte("\x89PNG\r\n\x1a\n"), 0, func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) }, func(r *bytes.Reader) (image.Image, error) { return png.Decode(r) }},
		{[]byte("GIF8"), 0, func(r *bytes.Reader) (image.Config, error) { return gif.DecodeConfig(r) }, func(r *bytes.Reader) (image.Image, error) { return gif.Decode(r) }},
		{[]byte("WEBP"), 8, func(r *bytes.Reader) (image.Config, error) { return webp.DecodeConfig(r) }, func(r *bytes.Reader) (image.Image, error) { return webp.Decode(r) }},
	} {
		if len(raw) >= f.at+len(f.magic) && bytes.Equal(raw[f.at:f.at+len(f.magic)], f.magic) {
			cfg, err := f.config(bytes.NewReader(raw))
			if err != nil {
				return nil, image.Config{}, fmt.Errorf("%w: %v", domain.ErrNotAnImage, err)
			}
			return f.decode, cfg, nil
		}
	}
	return nil, image.Config{}, domain.ErrNotAnImage
}

// fit scales img down so that its longest side is at most MaxSide.
func fit(img image.Image) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= MaxSide && h <= MaxSide {
		dst := image.NewNRGBA(image.Rect(0, 0, w, h))
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
		return dst
	}
	if w >= h {
		w, h = MaxSide, max(1, h*MaxSide/w)
	} else {
		w, h = max(1, w*MaxSide/h), MaxSide
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, b, xdraw.Src, nil)
	return dst
}

func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}
