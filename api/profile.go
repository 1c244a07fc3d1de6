package api

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/wxmp/wxmp/domain"
)

// The buyer's profile: nickname, avatar (an upload), phone; the images.

const (
	avatarPath = "/v1/me/avatar"
	imagePath  = "/v1/images/"
)

func (s *Server) UpdateMe(ctx context.Context, req UpdateMeRequestObject) (UpdateMeResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.profile.Nickname(ctx, session, req.Body.Nickname)
	if err != nil {
		return nil, err
	}
	return UpdateMe200JSONResponse(userOut(u)), nil
}

func (s *Server) UploadAvatar(ctx context.Context, req UploadAvatarRequestObject) (UploadAvatarResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	raw, err := filePart(req.Body, "file")
	if err != nil {
		return nil, err
	}
	u, err := s.profile.Avatar(ctx, session, raw)
	if err != nil {
		return nil, err
	}
	return UploadAvatar200JSONResponse(userOut(u)), nil
}

// filePart reads the named part, at most one byte over the image limit
// (which the use case refuses), skipping any other part.
func filePart(r *multipart.Reader, name string) ([]byte, error) {
	if r == nil {
		return nil, &domain.InvalidError{What: "upload", Reason: "a multipart/form-data body with a file part is needed"}
	}
	for {
		part, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, &domain.InvalidError{What: "upload", Reason: "no part named " + name}
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, domain.ErrImageTooLarge
		}
		if err != nil {
			return nil, &domain.InvalidError{What: "upload", Reason: "the multipart body cannot be read"}
		}
		if part.FormName() != name {
			continue
		}
		raw, err := io.ReadAll(io.LimitReader(part, domain.MaxImageBytes+1))
		if errors.As(err, &tooBig) {
			return nil, domain.ErrImageTooLarge
		}
		if err != nil {
			return nil, &domain.InvalidError{What: "upload", Reason: "the file part is cut short"}
		}
		return raw, nil
	}
}

func (s *Server) GetImage(ctx context.Context, req GetImageRequestObject) (GetImageResponseObject, error) {
	img, err := s.profile.Image(ctx, req.ImageId)
	if err != nil {
		return nil, err
	}
	etag := `"` + img.ID + `"`
	return imageResponse{img: img, etag: etag, notModified: req.Params.IfNoneMatch != nil && *req.Params.IfNoneMatch == etag}, nil
}

// imageResponse serves an image with the caching its content address
// allows: it never changes, so it is cached for a year.
type imageResponse struct {
	img         domain.Image
	etag        string
	notModified bool
}

func (r imageResponse) VisitGetImageResponse(w http.ResponseWriter) error {
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", r.etag)
	if r.notModified {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.Header().Set("Content-Type", r.img.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(r.img.Bytes)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(r.img.Bytes)
	return err
}

func (s *Server) BindPhone(ctx context.Context, req BindPhoneRequestObject) (BindPhoneResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.profile.Phone(ctx, session, req.Body.Code)
	if err != nil {
		return nil, err
	}
	return BindPhone200JSONResponse(userOut(u)), nil
}

func (s *Server) GetSubscriptions(ctx context.Context, _ GetSubscriptionsRequestObject) (GetSubscriptionsResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	subs, err := s.subscribe.List(ctx, session)
	if err != nil {
		return nil, err
	}
	return GetSubscriptions200JSONResponse(subscriptionsOut(subs)), nil
}

func (s *Server) RecordSubscriptions(ctx context.Context, req RecordSubscriptionsRequestObject) (RecordSubscriptionsResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	results := make(map[string]string, len(req.Body.Results))
	for id, a := range req.Body.Results {
		results[id] = string(a)
	}
	subs, err := s.subscribe.Record(ctx, session, results)
	if err != nil {
		return nil, err
	}
	return RecordSubscriptions200JSONResponse(subscriptionsOut(subs)), nil
}

func subscriptionsOut(subs []domain.Subscription) SubscriptionList {
	out := SubscriptionList{Items: make([]Subscription, len(subs))}
	for i, s := range subs {
		out.Items[i] = Subscription{Event: SubscriptionEvent(s.Event), TemplateId: s.ID, Remaining: s.Remaining}
	}
	return out
}

// PutMe is UpdateMe for the mini-program: wx.request cannot send PATCH.
func (s *Server) PutMe(ctx context.Context, req PutMeRequestObject) (PutMeResponseObject, error) {
	res, err := s.UpdateMe(ctx, UpdateMeRequestObject{Body: (*UpdateMeJSONRequestBody)(req.Body)})
	if err != nil {
		return nil, err
	}
	return PutMe200JSONResponse(res.(UpdateMe200JSONResponse)), nil
}
