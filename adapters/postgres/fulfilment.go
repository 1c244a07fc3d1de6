package postgres

import (
	"encoding/json"
	"time"

	"github.com/wxmp/wxmp/domain"
)

// An order's address and shipment are stored as JSON (orders.address,
// orders.shipment) in these shapes, which are the columns' contract.

type addressRow struct {
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	Province   string `json:"province"`
	City       string `json:"city"`
	District   string `json:"district,omitempty"`
	Detail     string `json:"detail"`
	PostalCode string `json:"postal_code,omitempty"`
}

type parcelRow struct {
	Company    string `json:"company"`
	TrackingNo string `json:"tracking_no"`
}

type shipmentRow struct {
	Method     string      `json:"method"`
	Parcels    []parcelRow `json:"parcels,omitempty"`
	ShippedAt  time.Time   `json:"shipped_at"`
	Reships    int         `json:"reships,omitempty"`
	UploadedAt *time.Time  `json:"uploaded_at,omitempty"`
	Refused    string      `json:"refused,omitempty"`
}

func addressJSON(a *domain.ShippingAddress) []byte {
	if a == nil {
		return nil
	}
	b, _ := json.Marshal(addressRow(*a)) // strings always marshal
	return b
}

func addressOf(b []byte) *domain.ShippingAddress {
	if len(b) == 0 {
		return nil
	}
	var r addressRow
	if json.Unmarshal(b, &r) != nil {
		return nil // written by addressJSON; the column's CHECK keeps kind and address together
	}
	a := domain.ShippingAddress(r)
	return &a
}

func shipmentJSON(s *domain.Shipment) []byte {
	if s == nil {
		return nil
	}
	r := shipmentRow{Method: string(s.Method), ShippedAt: s.ShippedAt.UTC(), Reships: s.Reships, UploadedAt: optionalTime(s.UploadedAt), Refused: s.Refused}
	for _, p := range s.Parcels {
		r.Parcels = append(r.Parcels, parcelRow(p))
	}
	b, _ := json.Marshal(r)
	return b
}

func shipmentOf(b []byte) *domain.Shipment {
	if len(b) == 0 {
		return nil
	}
	var r shipmentRow
	if json.Unmarshal(b, &r) != nil {
		return nil
	}
	s := &domain.Shipment{Method: domain.ShipMethod(r.Method), ShippedAt: r.ShippedAt.UTC(), Reships: r.Reships,
		UploadedAt: deref(r.UploadedAt), Refused: r.Refused}
	for _, p := range r.Parcels {
		s.Parcels = append(s.Parcels, domain.Parcel(p))
	}
	return s
}
