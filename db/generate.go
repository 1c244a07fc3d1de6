package db

//go:generate go tool -modfile=../tools/tools.mod sqlc generate -f ../sqlc.yaml
