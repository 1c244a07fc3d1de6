// Package api is the HTTP edge: the chi strict server generated from
// openapi.yaml (api.gen.go), the handlers that implement it by calling
// domain use cases, request validation and authentication driven by the
// same spec, and the single mapping from errors to problem+json.
package api

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/wxmp/wxmp/domain"
)

// ReadinessCheck reports whether a dependency can serve (e.g. a DB ping).
type ReadinessCheck func(ctx context.Context) error

// Server implements the generated StrictServerInterface.
type Server struct {
	login       *domain.Login
	logout      *domain.Logout
	catalog     domain.Catalog
	orders      domain.Orders // reads; every write goes through a use case
	placeOrder  *domain.PlaceOrder
	payOrder    *domain.PayOrder
	cancelOrder *domain.CancelOrder
	refresh     *domain.RefreshOrder
	operate     *domain.Operate
	backoffice  domain.Backoffice // the operator's reads
	ready       ReadinessCheck
	receipt     *domain.ConfirmReceipt
	ask         *domain.AskRefund
	profile     *domain.EditProfile
	subscribe   *domain.Subscribe
	draining    atomic.Bool
	holding     atomic.Bool
}

// Drain makes readiness fail from now on, so that load balancers stop
// sending new requests before the listener closes (graceful shutdown).
func (s *Server) Drain() { s.draining.Store(true) }

// Hold makes readiness fail until Release: the listener serves while the
// rest of the service is still starting (the jobs, the demo catalog), and
// a load balancer must not send it work before it has started.
func (s *Server) Hold() { s.holding.Store(true) }

// Release ends Hold: the service has started.
func (s *Server) Release() { s.holding.Store(false) }

var _ StrictServerInterface = (*Server)(nil)

func NewServer(login *domain.Login, logout *domain.Logout, catalog domain.Catalog, orders domain.Orders,
	placeOrder *domain.PlaceOrder, payOrder *domain.PayOrder, cancelOrder *domain.CancelOrder, refresh *domain.RefreshOrder,
	operate *domain.Operate, backoffice domain.Backoffice, ready ReadinessCheck, receipt *domain.ConfirmReceipt, ask *domain.AskRefund,
	profile *domain.EditProfile, subscribe *domain.Subscribe,
) *Server {
	return &Server{
		login: login, logout: logout, catalog: catalog, orders: orders,
		placeOrder: placeOrder, payOrder: payOrder, cancelOrder: cancelOrder, refresh: refresh,
		operate: operate, backoffice: backoffice, ready: ready, receipt: receipt, ask: ask, profile: profile, subscribe: subscribe,
	}
}

func (s *Server) GetHealth(context.Context, GetHealthRequestObject) (GetHealthResponseObject, error) {
	return GetHealth200JSONResponse{Status: Ok}, nil
}

func (s *Server) GetReadiness(ctx context.Context, _ GetReadinessRequestObject) (GetReadinessResponseObject, error) {
	if s.holding.Load() {
		p := newProblem(http.StatusServiceUnavailable, ProblemCodeNotReady, "The server is starting.")
		retry := 1
		return GetReadiness503ApplicationProblemPlusJSONResponse{ServiceUnavailableApplicationProblemPlusJSONResponse{Body: p, Headers: ServiceUnavailableResponseHeaders{RetryAfter: &retry}}}, nil
	}
	if s.draining.Load() {
		p := newProblem(http.StatusServiceUnavailable, ProblemCodeNotReady, "The server is shutting down.")
		return GetReadiness503ApplicationProblemPlusJSONResponse{ServiceUnavailableApplicationProblemPlusJSONResponse{Body: p}}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		p := newProblem(http.StatusServiceUnavailable, ProblemCodeNotReady, "The database does not answer yet.")
		retry := 1
		return GetReadiness503ApplicationProblemPlusJSONResponse{ServiceUnavailableApplicationProblemPlusJSONResponse{
			Body:    p,
			Headers: ServiceUnavailableResponseHeaders{RetryAfter: &retry},
		}}, nil
	}
	return GetReadiness200JSONResponse{Status: Ok}, nil
}

func (s *Server) Login(ctx context.Context, req LoginRequestObject) (LoginResponseObject, error) {
	res, err := s.login.Execute(ctx, req.Body.Code)
	if err != nil {
		return nil, err
	}
	return Login200JSONResponse{
		Token:     string(res.Token),
		TokenType: Bearer,
		ExpiresAt: res.ExpiresAt,
		User:      userOut(res.User),
	}, nil
}

func (s *Server) Logout(ctx context.Context, _ LogoutRequestObject) (LogoutResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.logout.Execute(ctx, session); err != nil {
		return nil, err
	}
	return Logout204Response{}, nil
}

func (s *Server) GetMe(ctx context.Context, _ GetMeRequestObject) (GetMeResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	return GetMe200JSONResponse(userOut(session.User())), nil
}

func userOut(u domain.User) User {
	out := User{Id: openapi_types.UUID(u.ID()), Openid: u.OpenID(), CreatedAt: u.CreatedAt()}
	if id := u.UnionID(); id != "" {
		out.Unionid = &id
	}
	p := u.Profile()
	out.Nickname, out.Phone = nonEmpty(p.Nickname), nonEmpty(p.PhoneMasked)
	if p.AvatarID != "" {
		url := imagePath + p.AvatarID
		out.AvatarUrl = &url
	}
	return out
}
