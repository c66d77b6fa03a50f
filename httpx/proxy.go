package httpx

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies whose forwarding headers are believed
// (--trusted-proxy). Without any, the peer of the connection is the
// client and X-Forwarded-* headers are ignored: anyone can send them.
type Proxies []netip.Prefix

// ParseProxies reads addresses and CIDR prefixes ("127.0.0.1",
// "10.0.0.0/8", "::1"). Returns an error naming the bad one.
func ParseProxies(list []string) (Proxies, error) {
	var out Proxies
	for _, item := range list {
		for _, s := range strings.Split(item, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if p, err := netip.ParsePrefix(s); err == nil {
				out = append(out, p.Masked())
				continue
			}
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("--trusted-proxy %q: not an address or CIDR prefix", s)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out, nil
}

func (ps Proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func peer(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

// ClientAddr is the client's address: the connection's peer, or, when the
// peer is a trusted proxy, the last address in X-Forwarded-For that is not
// a trusted proxy itself (earlier entries are what the client claimed).
func (ps Proxies) ClientAddr(r *http.Request) string {
	a, ok := peer(r)
	if !ok {
		return r.RemoteAddr
	}
	if len(ps) == 0 || !ps.trusted(a) {
		return a.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	var all []string
	for _, h := range hops {
		all = append(all, strings.Split(h, ",")...)
	}
	for i := len(all) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(all[i]))
		if err != nil {
			break // a malformed hop: stop at the last one we can trust
		}
		if !ps.trusted(h) {
			return h.Unmap().String()
		}
		a = h.Unmap()
	}
	return a.String()
}

// Secure reports whether the request reached us over TLS, directly or
// through a trusted proxy that says so (X-Forwarded-Proto: https).
func (ps Proxies) Secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	a, ok := peer(r)
	return ok && len(ps) > 0 && ps.trusted(a) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}
