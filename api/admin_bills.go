package api

import (
	"context"

	"github.com/google/uuid"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/wxmp/wxmp/domain"
)

// The operator's view of the daily bill's reconciliation, and "re-run a day".

func (s *Server) AdminListBillDays(ctx context.Context, req AdminListBillDaysRequestObject) (AdminListBillDaysResponseObject, error) {
	if _, err := operatorFrom(ctx); err != nil {
		return nil, err
	}
	limit, _, bad := pageArgs(req.Params.Limit, nil)
	if bad != nil {
		return AdminListBillDays400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse(*bad)}, nil
	}
	before := ""
	if req.Params.Before != nil {
		before = req.Params.Before.String()
	}
	days, err := s.operate.BillDays(ctx, before, limit)
	if err != nil {
		return nil, err
	}
	out := BillDayList{Items: make([]BillDay, len(days))}
	for i, d := range days {
		out.Items[i] = billDayOut(d)
	}
	return AdminListBillDays200JSONResponse(out), nil
}

func (s *Server) AdminGetBillDay(ctx context.Context, req AdminGetBillDayRequestObject) (AdminGetBillDayResponseObject, error) {
	if _, err := operatorFrom(ctx); err != nil {
		return nil, err
	}
	d, diffs, err := s.operate.BillDay(ctx, req.Day.String())
	if err != nil {
		return nil, err
	}
	out := BillDayReport{Day: billDayOut(d), Differences: make([]BillDifference, len(diffs))}
	for i, x := range diffs {
		out.Differences[i] = billDifferenceOut(x)
	}
	return AdminGetBillDay200JSONResponse(out), nil
}

func (s *Server) AdminRunBillDay(ctx context.Context, req AdminRunBillDayRequestObject) (AdminRunBillDayResponseObject, error) {
	op, err := operatorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.operate.RerunBillDay(ctx, op, req.Day.String()); err != nil {
		return nil, err
	}
	return AdminRunBillDay202JSONResponse(BillRunQueued{Day: req.Day, Queued: true}), nil
}

func billDayOut(d domain.BillDay) BillDay {
	start, _ := domain.BillDayStart(d.Day) // stored days are days
	return BillDay{
		Day: openapi_types.Date{Time: start}, Status: BillDayStatus(d.Status), Lines: d.Lines, Payments: d.Payments, Refunds: d.Refunds,
		WechatPaidFen: d.WeChatPaidFen, WechatRefundedFen: d.WeChatRefundedFen, OursPaidFen: d.OursPaidFen, OursRefundedFen: d.OursRefundedFen,
		Differences: d.Differences, OpenDifferences: d.OpenDifferences, Failure: d.Failure, FailedLine: d.FailedLine, Runs: d.Runs,
		CheckedAt: d.CheckedAt,
	}
}

func billDifferenceOut(d domain.BillDifference) BillDifference {
	out := BillDifference{
		Id: d.ID, Kind: BillDifferenceKind(d.Kind), Subject: BillDifferenceSubject(d.Subject), OutTradeNo: d.OutTradeNo,
		OutRefundNo: d.OutRefundNo, TransactionId: d.TransactionID, LineNo: d.LineNo, Ours: d.Ours, Wechat: d.WeChat,
		OursFen: d.OursFen, WechatFen: d.WeChatFen, Outcome: BillDifferenceOutcome(d.Outcome), Action: d.Action, FoundAt: d.FoundAt,
	}
	if d.OrderID != uuid.Nil {
		id := d.OrderID
		out.OrderId = &id
	}
	if d.AttentionKind != "" {
		k := string(d.AttentionKind)
		out.AttentionKind = &k
	}
	if !d.ActedAt.IsZero() {
		t := d.ActedAt
		out.ActedAt = &t
	}
	return out
}
