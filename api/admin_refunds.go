package api

import (
	"context"

	"github.com/wxmp/wxmp/domain"
)

// The operator's view of refunds that are not settled, and "re-check now".

func (s *Server) AdminListUnsettledRefunds(ctx context.Context, req AdminListUnsettledRefundsRequestObject) (AdminListUnsettledRefundsResponseObject, error) {
	if _, err := operatorFrom(ctx); err != nil {
		return nil, err
	}
	limit, after, bad := pageArgs(req.Params.Limit, req.Params.Cursor)
	if bad != nil {
		return AdminListUnsettledRefunds400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse(*bad)}, nil
	}
	refunds, err := s.operate.UnsettledRefunds(ctx, after, limit+1)
	if err != nil {
		return nil, err
	}
	refunds, next := trimPage(refunds, limit)
	page := AdminRefundPage{Items: []AdminRefund{}, NextCursor: next}
	for _, r := range refunds {
		page.Items = append(page.Items, adminRefundOut(r.Refund, r.OutTradeNo))
	}
	return AdminListUnsettledRefunds200JSONResponse(page), nil
}

func (s *Server) AdminRecheckRefund(ctx context.Context, req AdminRecheckRefundRequestObject) (AdminRecheckRefundResponseObject, error) {
	op, err := operatorFrom(ctx)
	if err != nil {
		return nil, err
	}
	r, o, err := s.operate.RecheckRefund(ctx, op, req.OutRefundNo)
	if err != nil {
		return nil, err
	}
	return AdminRecheckRefund200JSONResponse(adminRefundOut(r, o.OutTradeNo())), nil
}

func adminRefundOut(r *domain.Refund, outTradeNo string) AdminRefund {
	b := refundOut(r)
	return AdminRefund{
		Id: b.Id, OutRefundNo: b.OutRefundNo, AmountFen: b.AmountFen, Reason: b.Reason, Status: b.Status,
		CreatedAt: b.CreatedAt, SucceededAt: b.SucceededAt,
		OrderId: r.OrderID(), OutTradeNo: outTradeNo, RequestedBy: r.RequestedBy(), Failure: r.Failure(),
		CheckAttempts: r.CheckAttempts(), UpdatedAt: r.UpdatedAt(),
	}
}
