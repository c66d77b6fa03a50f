// Command genlog writes a mixed server log for the anonymiser benchmark:
// nginx access lines, postfix, sshd and BIND query lines, about 15 % with
// IPv6 addresses, about 9 % attack lines (failed SSH and SASL logins,
// scanner paths, bursts of 401 answers to one client), e-mail addresses in
// queries, referrers and mail logs, a few browsers' user agents, all on one
// day (-day, today by default). The output is deterministic for a day.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

func main() {
	sizeMB := flag.Int("size", 200, "megabytes to write")
	dayFlag := flag.String("day", time.Now().Format(time.DateOnly), "the day of the log lines (YYYY-MM-DD); today's attack lines are within the attack store's seven days")
	flag.Parse()
	day, err := time.Parse(time.DateOnly, *dayFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlog: -day:", err)
		os.Exit(2)
	}
	acc, sys, bind := day.Format("02/Jan/2006"), day.Format("Jan _2"), day.Format("02-Jan-2006")
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	r := rand.New(rand.NewPCG(7, 11))
	users := []string{"erika.muster", "max", "info", "bob.smith", "kontakt", "a.b-c"}
	doms := []string{"example.org", "example.com", "allegro-it.de", "mail.example.net"}
	paths := []string{"/", "/index.html", "/shop/cart", "/api/v1/items?page=2", "/static/app.css", "/blog/2024/11/post"}
	agents := []string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
		"curl/8.5.0",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	}
	agent := func() string { return agents[min(r.IntN(len(agents)), r.IntN(len(agents)))] } // the first ones most often
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
		// 9 % of draws are attacks (none among the DNS lines); one in
		// thirty access attacks is a burst of twelve lines: about 9 % of
		// the lines in all.
		attack := r.IntN(100) < 9
		switch k := r.IntN(100); {
		case k < 45 && attack && r.IntN(30) == 0:
			// A burst of failed sign-ins: one client, twelve 401 answers
			// within a few seconds.
			client, min, sec := ip(), r.IntN(60), r.IntN(48)
			var b []byte
			for i := range 12 {
				b = fmt.Appendf(b, `%s - - [`+acc+`:07:%02d:%02d +0100] "POST /wp-admin/ HTTP/1.1" 401 153 "-" "%s"`+"\n", client, min, sec+i, agent())
			}
			line = string(b[:len(b)-1])
		case k < 45:
			p := paths[r.IntN(len(paths))]
			status := 200
			if attack {
				p, status = []string{"/wp-login.php", "/.env", "/phpmyadmin/index.php", "/.git/config"}[r.IntN(4)], 404
			} else if r.IntN(10) == 0 {
				p += "?newsletter=" + mail()
			}
			line = fmt.Sprintf(`%s - - [`+acc+`:07:%02d:%02d +0100] "GET %s HTTP/1.1" %d %d "https://www.example.org/?ref=%s" "%s"`,
				ip(), r.IntN(60), r.IntN(60), p, status, 100+r.IntN(50000), mail(), agent())
		case k < 65:
			if attack {
				line = fmt.Sprintf(sys+` 07:%02d:%02d mail postfix/smtpd[%d]: warning: unknown[%s]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`, r.IntN(60), r.IntN(60), 1000+r.IntN(9000), ip())
			} else {
				line = fmt.Sprintf(sys+` 07:%02d:%02d mail postfix/smtp[%d]: 4F2A%05X: to=<%s>, relay=mx.example.com[%s]:25, delay=0.4, delays=0.1/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9B1C)`, r.IntN(60), r.IntN(60), 1000+r.IntN(9000), r.IntN(1<<20), mail(), ip())
			}
		case k < 85:
			if attack {
				line = fmt.Sprintf(sys+` 07:%02d:%02d host sshd[%d]: Failed password for invalid user admin from %s port %d ssh2`, r.IntN(60), r.IntN(60), 1000+r.IntN(9000), ip(), 1024+r.IntN(60000))
			} else {
				line = fmt.Sprintf(sys+` 07:%02d:%02d host sshd[%d]: Accepted publickey for deploy from %s port %d ssh2: ED25519 SHA256:Zk8x`, r.IntN(60), r.IntN(60), 1000+r.IntN(9000), ip(), 1024+r.IntN(60000))
			}
		default:
			line = fmt.Sprintf(bind+` 07:%02d:%02d.%03d queries: info: client @0x7f%08x %s#%d (www.example.org): query: www.example.org IN AAAA +E(0)K (%s)`, r.IntN(60), r.IntN(60), r.IntN(1000), r.IntN(1<<30), ip(), 1024+r.IntN(60000), ip4())
		}
		n, _ := w.WriteString(line + "\n")
		written += n
	}
}
