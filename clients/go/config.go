package oms

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultAddress is where `oms serve` listens unless told otherwise.
const DefaultAddress = "127.0.0.1:9191"

// Config says where the server is and how to talk to it. Every field has a
// default; the zero Config reads OMS_ADDRESS, OMS_API_KEY and OMS_TLS_CA.
type Config struct {
	// Address is host:port, [v6]:port, host (port 9191) or tcp://host:port.
	// Default: $OMS_ADDRESS, else 127.0.0.1:9191.
	Address string
	// APIKey authenticates every connection. Default: $OMS_API_KEY; without
	// a key only rpc.discover works.
	APIKey string
	// CAFile is a PEM bundle of the certificate authorities to trust; setting
	// it connects with TLS. Default: $OMS_TLS_CA.
	CAFile string
	// TLS connects with TLS using this configuration (its RootCAs, or the
	// system's when nil). ServerName defaults to the address's host.
	TLS *tls.Config
	// DialTimeout bounds one connection attempt with its handshake and
	// authentication. Default 10 s.
	DialTimeout time.Duration
	// ReconnectTimeout is how long the client keeps trying to reconnect after
	// a dropped connection before a call fails with ErrUnavailable. Default 30 s.
	ReconnectTimeout time.Duration
	// CallTimeout bounds a call whose context has no deadline. Default 60 s;
	// negative means no bound.
	CallTimeout time.Duration
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	if c.Address == "" {
		c.Address = os.Getenv("OMS_ADDRESS")
	}
	if c.Address == "" {
		c.Address = DefaultAddress
	}
	if c.APIKey == "" {
		c.APIKey = os.Getenv("OMS_API_KEY")
	}
	if c.CAFile == "" {
		c.CAFile = os.Getenv("OMS_TLS_CA")
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 10 * time.Second
	}
	if c.ReconnectTimeout == 0 {
		c.ReconnectTimeout = 30 * time.Second
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = 60 * time.Second
	}
	return c
}

// tlsConfig is the TLS configuration to dial with, or nil for plain TCP.
func (c Config) tlsConfig(host string) (*tls.Config, error) {
	if c.TLS == nil && c.CAFile == "" {
		return nil, nil
	}
	var config *tls.Config
	if c.TLS != nil {
		config = c.TLS.Clone()
	} else {
		config = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("oms: reading the CA bundle: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("oms: no PEM certificate in the CA bundle %s", c.CAFile)
		}
		config.RootCAs = pool
	}
	if config.ServerName == "" {
		config.ServerName = host
	}
	return config, nil
}

// splitAddress parses the forms Config.Address accepts into a dialable host:port.
func splitAddress(address string) (host string, hostPort string, err error) {
	text := strings.TrimSpace(address)
	if i := strings.Index(text, "://"); i >= 0 {
		text = text[i+3:]
	}
	text = strings.TrimSuffix(text, "/")
	port := "9191"
	switch {
	case strings.HasPrefix(text, "["):
		end := strings.Index(text, "]")
		if end < 0 {
			return "", "", fmt.Errorf("oms: bad address %q", address)
		}
		host = text[1:end]
		if rest := text[end+1:]; strings.HasPrefix(rest, ":") {
			port = rest[1:]
		}
	case strings.Count(text, ":") == 1:
		host, port, _ = strings.Cut(text, ":")
	default:
		host = text
	}
	if host == "" {
		return "", "", fmt.Errorf("oms: no host in address %q", address)
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return "", "", fmt.Errorf("oms: bad port in address %q", address)
	}
	return host, net.JoinHostPort(host, port), nil
}
