package wxshared

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// A PayKeys file lets an emulator in one process and a service (or a load
// harness) in another share one throw-away key set: the emulator's own
// private keys are in it, so it lives under DATA_DIR, never in git, and is
// only ever used in emulator mode.
type payKeysFile struct {
	MchID            string `json:"mchid"`
	MchPrivateKey    string `json:"mch_private_key"`
	MchCertSerial    string `json:"mch_cert_serial"`
	APIv3Key         string `json:"apiv3_key"`
	PlatformKey      string `json:"platform_key"`
	PlatformCert     string `json:"platform_cert"`
	PublicKeyID      string `json:"public_key_id"`
	PublicKeyPrivate string `json:"public_key_private"`
}

// SavePayKeys writes k to path (mode 0600).
func SavePayKeys(path string, k PayKeys) error {
	enc := func(key *rsa.PrivateKey) string {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return ""
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	b, err := json.MarshalIndent(payKeysFile{
		MchID: k.MchID, MchPrivateKey: enc(k.MchPrivateKey), MchCertSerial: k.MchCertSerial, APIv3Key: k.APIv3Key,
		PlatformKey: enc(k.PlatformKey), PlatformCert: string(k.PlatformCertPEM()),
		PublicKeyID: k.PublicKeyID, PublicKeyPrivate: enc(k.PublicKeyPrivate),
	}, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileWhole(path, b)
}

// WriteFileWhole writes b to path (mode 0600), creating its folder. Its
// folder may not exist yet (a fresh checkout's .data/), and a reader
// starting beside the writer must never read half a file: it writes a
// temporary file next to it, then renames it into place.
func WriteFileWhole(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, nothing is left to remove
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// LoadPayKeys reads what SavePayKeys wrote.
func LoadPayKeys(path string) (PayKeys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return PayKeys{}, err
	}
	var f payKeysFile
	if err := json.Unmarshal(b, &f); err != nil {
		return PayKeys{}, fmt.Errorf("emulator keys %s: %w", path, err)
	}
	dec := func(s string) (*rsa.PrivateKey, error) {
		blk, _ := pem.Decode([]byte(s))
		if blk == nil {
			return nil, errors.New("no PEM block")
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, err
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("not an RSA key")
		}
		return rk, nil
	}
	k := PayKeys{MchID: f.MchID, MchCertSerial: f.MchCertSerial, APIv3Key: f.APIv3Key, PublicKeyID: f.PublicKeyID}
	if k.MchPrivateKey, err = dec(f.MchPrivateKey); err == nil {
		if k.PlatformKey, err = dec(f.PlatformKey); err == nil {
			k.PublicKeyPrivate, err = dec(f.PublicKeyPrivate)
		}
	}
	if err == nil {
		blk, _ := pem.Decode([]byte(f.PlatformCert))
		if blk == nil {
			err = errors.New("no platform certificate")
		} else {
			k.PlatformCert, err = x509.ParseCertificate(blk.Bytes)
		}
	}
	if err == nil {
		err = k.Validate()
	}
	if err != nil {
		return PayKeys{}, fmt.Errorf("emulator keys %s: %w", path, err)
	}
	return k, nil
}
