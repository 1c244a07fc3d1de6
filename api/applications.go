package api

import (
	"context"

	"github.com/wxmp/wxmp/domain"
)

// Buyers' refund applications (售后) and the operator's queue.

func (s *Server) RequestRefund(ctx context.Context, req RequestRefundRequestObject) (RequestRefundResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.ask.Request(ctx, session, req.OrderId, req.Body.AmountFen, req.Body.Reason)
	if err != nil {
		return nil, err
	}
	return RequestRefund201JSONResponse(applicationOut(a)), nil
}

func (s *Server) ListRefundRequests(ctx context.Context, req ListRefundRequestsRequestObject) (ListRefundRequestsResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	as, err := s.ask.List(ctx, session, req.OrderId)
	if err != nil {
		return nil, err
	}
	return ListRefundRequests200JSONResponse(applicationsOut(as)), nil
}

func (s *Server) WithdrawRefundRequest(ctx context.Context, req WithdrawRefundRequestRequestObject) (WithdrawRefundRequestResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.ask.Withdraw(ctx, session, req.RequestId)
	if err != nil {
		return nil, err
	}
	return WithdrawRefundRequest200JSONResponse(applicationOut(a)), nil
}

func (s *Server) AdminListRefundRequests(ctx context.Context, req AdminListRefundRequestsRequestObject) (AdminListRefundRequestsResponseObject, error) {
	if _, err := operatorFrom(ctx); err != nil {
		return nil, err
	}
	limit, _, bad := pageArgs(req.Params.Limit, nil)
	if bad != nil {
		return AdminListRefundRequests400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse(*bad)}, nil
	}
	as, err := s.operate.OpenRefundApplications(ctx, limit)
	if err != nil {
		return nil, err
	}
	return AdminListRefundRequests200JSONResponse(applicationsOut(as)), nil
}

func (s *Server) AdminApproveRefundRequest(ctx context.Context, req AdminApproveRefundRequestRequestObject) (AdminApproveRefundRequestResponseObject, error) {
	op, err := operatorFrom(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.operate.ApproveRefundApplication(ctx, op, req.RequestId)
	if err != nil {
		return nil, err
	}
	return AdminApproveRefundRequest200JSONResponse(applicationOut(a)), nil
}

func (s *Server) AdminRejectRefundRequest(ctx context.Context, req AdminRejectRefundRequestRequestObject) (AdminRejectRefundRequestResponseObject, error) {
	op, err := operatorFrom(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.operate.RejectRefundApplication(ctx, op, req.RequestId, req.Body.Note)
	if err != nil {
		return nil, err
	}
	return AdminRejectRefundRequest200JSONResponse(applicationOut(a)), nil
}

func applicationsOut(as []*domain.RefundApplication) RefundApplicationList {
	out := RefundApplicationList{Items: make([]RefundApplication, len(as))}
	for i, a := range as {
		out.Items[i] = applicationOut(a)
	}
	return out
}

func applicationOut(a *domain.RefundApplication) RefundApplication {
	return RefundApplication{Id: a.ID, OrderId: a.OrderID, OutTradeNo: a.OutTradeNo, AmountFen: a.AmountFen, Reason: a.Reason,
		Status: RefundApplicationStatus(a.Status), Note: nonEmpty(a.Note), OutRefundNo: nonEmpty(a.OutRefundNo),
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}
