package domain

import (
	"context"

	"github.com/google/uuid"
)

// Product is something for sale, priced in integer fen.
type Product struct {
	ID          uuid.UUID
	Name        string
	Description string
	PriceFen    int64
	Stock       int
	Kind        ProductKind // how it reaches the buyer (fulfilment.go)
}

// Catalog lists what is for sale.
type Catalog interface {
	ListProducts(ctx context.Context) ([]Product, error)
}
