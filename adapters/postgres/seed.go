package postgres

import (
	"cmp"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/wxmp/wxmp/db/dbsqlc"
	"github.com/wxmp/wxmp/domain"
)

// ProductSeed is a catalog entry for demo and test data.
type ProductSeed struct {
	SKU, Name, Description string
	PriceFen               int64
	Stock                  int
	Kind                   domain.ProductKind // "" is pickup
}

// SeedProducts adds products whose SKU is not there yet; it never changes
// an existing one, so restarting `make run` keeps stock as it was.
func (s *Store) SeedProducts(ctx context.Context, products []ProductSeed) error {
	return s.inTx(ctx, func(tx pgx.Tx, q *dbsqlc.Queries) error {
		for _, p := range products {
			err := q.SeedProduct(ctx, dbsqlc.SeedProductParams{
				Sku: p.SKU, Name: p.Name, Description: p.Description, PriceFen: p.PriceFen, Stock: int32(p.Stock),
				Kind: string(cmp.Or(p.Kind, domain.KindPickup)),
			})
			if err != nil {
				return fmt.Errorf("seed product %s: %w", p.SKU, err)
			}
		}
		return nil
	})
}
