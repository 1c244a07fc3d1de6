package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxmp/wxmp/adapters/postgres/pgembed"
	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/db"
	"github.com/wxmp/wxmp/db/dbsqlc"
)

// startBenchEnv starts Postgres, the emulator, a bare-handler server and
// the service, each but Postgres as a child process of this binary, and
// prepares users, tokens and a product.
func startBenchEnv(ctx context.Context, dir string, logw io.Writer) (*benchEnv, error) {
	e := &benchEnv{client: &http.Client{Timeout: 10 * time.Second}}
	cluster, err := pgembed.Start(ctx, pgembed.Options{DataDir: filepath.Join(dir, "postgres"), Settings: benchPGSettings})
	if err != nil {
		return e, fmt.Errorf("start PostgreSQL: %w", err)
	}
	e.stop = append(e.stop, func() { _ = cluster.Stop() })
	if err := ensureDatabase(ctx, cluster.URL("postgres"), "wxmp"); err != nil {
		return e, err
	}
	dbURL := cluster.URL("wxmp")
	if err := db.Migrate(ctx, dbURL); err != nil {
		return e, err
	}
	e.pgPort, e.pgDataDir = cluster.Port(), filepath.Join(dir, "postgres")
	apiAddr, emuAddr, floorAddr := freeLoopback(), freeLoopback(), freeLoopback()
	e.api, e.emu, e.floorServer = "http://"+apiAddr, "http://"+emuAddr, "http://"+floorAddr
	keys := filepath.Join(dir, "emulator-keys.json")
	common := []string{"WECHAT_MODE=emulator", "EMULATOR_ADDR=" + emuAddr, "EMULATOR_KEYS_FILE=" + keys,
		"DATA_DIR=" + dir, "LOG_LEVEL=warn", "SHUTDOWN_DELAY=0s"}
	self, err := os.Executable()
	if err != nil {
		return e, err
	}
	start := func(name string, args []string, env []string) (*exec.Cmd, error) {
		cmd := exec.Command(self, args...)
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdout, cmd.Stderr = io.Discard, logw
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start %s: %w", name, err)
		}
		e.stop = append(e.stop, func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() })
		return cmd, nil
	}
	// The emulator makes the keys file; the service waits for it.
	if _, err := start("emulator", []string{"emulator"}, common); err != nil {
		return e, err
	}
	if err := waitHTTP(e.emu+"/emulator/users/nobody", 60*time.Second); err != nil {
		return e, fmt.Errorf("emulator: %w", err)
	}
	if _, err := start("floor", []string{"bench-floor", floorAddr}, nil); err != nil {
		return e, err
	}
	svc, err := start("service", []string{"serve"}, append(common, "DATABASE_URL="+dbURL, "HTTP_ADDR="+apiAddr, "METRICS_ADDR="+os.Getenv("BENCH_METRICS_ADDR"),
		"EMULATOR_EXTERNAL=true", "ACCESS_LOG="+cmp.Or(os.Getenv("BENCH_ACCESS_LOG"), "errors"), "SESSION_KEY_ENCRYPTION_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="))
	if err != nil {
		return e, err
	}
	e.servicePID = svc.Process.Pid
	for _, u := range []string{e.api + "/readyz", e.floorServer + "/floor"} {
		if err := waitHTTP(u, 60*time.Second); err != nil {
			return e, err
		}
	}
	if e.pool, err = pgxpool.New(ctx, dbURL+"&pool_max_conns=64"); err != nil {
		return e, err
	}
	e.stop = append(e.stop, e.pool.Close)
	e.q = dbsqlc.New(e.pool)
	if _, err := e.pool.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
		fmt.Fprintln(logw, "bench: no pg_stat_statements, statements are not counted:", err)
	}
	keysOf, err := emulator.LoadPayKeys(keys)
	if err != nil {
		return e, err
	}
	e.payKeys, e.keysFile, e.dbURL = keysOf, keys, dbURL
	if e.signer, err = emulator.New(emulator.Config{AppID: emulatorAppID, Secret: emulatorSecret,
		Pay: &emulator.PayConfig{Keys: keysOf, AllowHTTPNotify: true}}); err != nil {
		return e, err
	}
	e.stop = append(e.stop, e.signer.Close)
	return e, e.prepare(ctx)
}

// prepare logs in 50 buyers, each with a few orders, and makes a product
// with stock for any run.
func (e *benchEnv) prepare(ctx context.Context) error {
	if _, err := e.pool.Exec(ctx, `INSERT INTO products (sku, name, price_fen, stock) VALUES ('bench', 'Bench tea', 100, 1000000000)`); err != nil {
		return err
	}
	if err := e.pool.QueryRow(ctx, `SELECT id::text FROM products WHERE sku = 'bench'`).Scan(&e.productID); err != nil {
		return err
	}
	for i := range 50 {
		code, err := e.mintCode(fmt.Sprintf("bench-%d", i))
		if err != nil {
			return err
		}
		var login struct {
			Token string
			User  struct{ ID uuid.UUID }
		}
		if err := e.post("/v1/auth/login", "", `{"code":"`+code+`"}`, &login); err != nil {
			return err
		}
		e.tokens = append(e.tokens, login.Token)
		d := sha256.Sum256([]byte(login.Token))
		e.digests = append(e.digests, d[:])
		e.users = append(e.users, login.User.ID)
		for range 3 {
			if err := e.post("/v1/orders", login.Token, `{"items":[{"product_id":"`+e.productID+`","quantity":1}]}`, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *benchEnv) mintCode(user string) (string, error) {
	var out struct{ Code string }
	res, err := e.client.Post(e.emu+"/emulator/login-codes", "application/json", strings.NewReader(`{"user":"`+user+`"}`))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Code == "" {
		return "", fmt.Errorf("mint code: %d %v", res.StatusCode, err)
	}
	return out.Code, nil
}

func (e *benchEnv) post(path, bearer, body string, out any) error {
	req, _ := http.NewRequest("POST", e.api+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("POST %s: %d %s", path, res.StatusCode, b)
	}
	if out != nil {
		return json.NewDecoder(res.Body).Decode(out)
	}
	return nil
}

func waitHTTP(url string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode < 500 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer within %s", url, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeLoopback() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0"
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serveFloor is `wxmp bench-floor ADDR`: the same HTTP server and router
// as the service with one handler that does nothing, the ceiling of any
// request the service serves.
func serveFloor(ctx context.Context, addr string) error {
	r := chi.NewRouter()
	r.Get("/floor", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	srv := &http.Server{Addr: addr, Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}
