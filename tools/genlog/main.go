// Command genlog writes a mixed server log for the anonymiser benchmark:
// nginx access lines, postfix, sshd and BIND query lines, about 15 % with
// IPv6 addresses, about 9 % attack lines, e-mail addresses in queries,
// referrers and mail logs. The output is deterministic.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
)

func main() {
	sizeMB := flag.Int("size", 200, "megabytes to write")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	r := rand.New(rand.NewPCG(7, 11))
	users := []string{"erika.muster", "max", "info", "bob.smith", "kontakt", "a.b-c"}
	doms := []string{"example.org", "example.com", "allegro-it.de", "mail.example.net"}
	paths := []string{"/", "/index.html", "/shop/cart", "/api/v1/items?page=2", "/static/app.css", "/blog/2024/11/post"}
	ip4 := func() string {
		return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
	}
	ip6 := func() string { return fmt.Sprintf("2001:db8:%x:%x::%x", r.IntN(65536), r.IntN(65536), 1+r.IntN(65535)) }
	mail := func() string {
		return users[r.IntN(len(users))] + fmt.Sprint(r.IntN(100)) + "@" + doms[r.IntN(len(doms))]
	}
	ip := func() string {
		if r.IntN(100) < 15 {
			return ip6()
		}
		return ip4()
	}
	limit := *sizeMB << 20
	written := 0
	for written < limit {
		var line string
		attack := r.IntN(100) < 9
		switch k := r.IntN(100); {
		case k < 45:
			p := paths[r.IntN(len(paths))]
			status := 200
			if attack {
				p, status = []string{"/wp-login.php", "/.env", "/phpmyadmin/index.php", "/.git/config"}[r.IntN(4)], 404
			} else if r.IntN(10) == 0 {
				p += "?newsletter=" + mail()
			}
			line = fmt.Sprintf(`%s - - [23/Nov/2026:07:%02d:%02d +0100] "GET %s HTTP/1.1" %d %d "https://www.example.org/?ref=%s" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"`,
				ip(), r.IntN(60), r.IntN(60), p, status, 100+r.IntN(50000), mail())
		case k < 65:
			if attack {
				line = fmt.Sprintf(`Nov 23 07:%02d:%02d mail postfix/smtpd[%d]: warning: unknown[%s]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`, r.IntN(60), r.IntN(60), 1000+r.IntN(9000), ip())
			} else {
				line = fmt.Sprintf(`Nov 23 07:%02d:%02d mail postfix/smtp[%d]: 4F2A%05X: to=<%s>, relay=mx.example.com[%s]:25, delay=0.4, delays=0.1/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9B1C)`, r.IntN(60), r.IntN(60), 1000+r.IntN(9000), r.IntN(1<<20), mail(), ip())
			}
		case k < 85:
			if attack {
				line = fmt.Sprintf(`Nov 23 07:%02d:%02d host sshd[%d]: Failed password for invalid user admin from %s port %d ssh2`, r.IntN(60), r.IntN(60), 1000+r.IntN(9000), ip(), 1024+r.IntN(60000))
			} else {
				line = fmt.Sprintf(`Nov 23 07:%02d:%02d host sshd[%d]: Accepted publickey for deploy from %s port %d ssh2: ED25519 SHA256:Zk8x`, r.IntN(60), r.IntN(60), 1000+r.IntN(9000), ip(), 1024+r.IntN(60000))
			}
		default:
			line = fmt.Sprintf(`23-Nov-2026 07:%02d:%02d.%03d queries: info: client @0x7f%08x %s#%d (www.example.org): query: www.example.org IN AAAA +E(0)K (%s)`, r.IntN(60), r.IntN(60), r.IntN(1000), r.IntN(1<<30), ip(), 1024+r.IntN(60000), ip4())
		}
		n, _ := w.WriteString(line + "\n")
		written += n
	}
}
