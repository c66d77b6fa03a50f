// Command attackmem reproduces the memory attacks of issue 10 (points 1–5)
// against a `gdpr serve` of its own, on a fresh SQLite store, and reports
// how each was answered and the server's resident memory at its peak
// during the attack (VmHWM, reset before each) and after it (VmRSS, from
// /proc; what the Go runtime has not yet given back of the attacks before
// is part of both). It fails when an attack is not refused or a peak
// passes -limit MiB (-bound-limit for the documents at the importer's
// bounds, which may be accepted).
//
//	go run ./tools/attackmem -gdpr /path/to/gdpr   (scripts/attack-memory.sh)
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	bin := flag.String("gdpr", "", "the gdpr binary")
	limit := flag.Int("limit", 200, "the most resident memory (MiB) the server may reach")
	boundLimit := flag.Int("bound-limit", 360, "the most resident memory (MiB) a document at the importer's bounds may cost")
	only := flag.String("only", "", "run only the attacks whose name matches this regular expression")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "attackmem: -gdpr is required")
		os.Exit(2)
	}
	if err := run(*bin, *limit, *boundLimit, regexp.MustCompile(*only)); err != nil {
		fmt.Fprintln(os.Stderr, "attackmem:", err)
		os.Exit(1)
	}
}

// server is the gdpr serve under attack.
type server struct {
	url   string
	pid   int
	token string // an editor's API token
	user  string // an editor who signs in on the web
	pw    string
}

func run(bin string, limit, boundLimit int, only *regexp.Regexp) error {
	dir, err := os.MkdirTemp("", "attackmem")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "gdpr.db")
	g := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"--db", db}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("gdpr %s: %v: %s", strings.Join(args, " "), err, errb.String())
		}
		return strings.TrimSpace(out.String()), nil
	}
	s := &server{user: "editor", pw: "attack memory " + hex.EncodeToString(randBytes(8))}
	if _, err := g(s.pw+"\n", "users", "add", s.user, "--role", "editor", "--password-stdin"); err != nil {
		return err
	}
	// The sign-in attack (point 4) throttles its victim; the multipart
	// attack (point 5) signs in as someone else.
	if _, err := g("guessed in vain "+hex.EncodeToString(randBytes(8))+"\n", "users", "add", "victim", "--role", "editor", "--password-stdin"); err != nil {
		return err
	}
	if s.token, err = g("", "tokens", "create", "attack", "--role", "editor"); err != nil {
		return err
	}
	cmd := exec.Command(bin, "--db", db, "serve", "--addr", "127.0.0.1:0")
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	s.pid = cmd.Process.Pid
	re := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)
	for range 100 {
		if b, _ := os.ReadFile(logf.Name()); re.Match(b) {
			s.url = string(re.Find(b))
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s.url == "" {
		return errors.New("the server did not start")
	}

	// The attacks must be refused, the server staying under limit. The
	// documents at the importer's bounds (last, marked accepted) may be
	// imported; they are shown for what the bounds let through, under
	// boundLimit.
	attacks := []struct {
		point, name string
		fn          func(*server) (string, error)
		accepted    bool
	}{
		{"1", "2,000 requests with made-up 100 KB methods", longMethods(100 << 10), false},
		{"1", "2,000 requests with made-up 32 KB methods (under the header limit)", longMethods(32 << 10), false},
		{"2", "YAML: 200 KB scalar, 20,000 aliases (dry run)", yamlBomb, false},
		{"2", "YAML: 4,000,000 one-letter list items (8 MB)", yamlItems(4_000_000), false},
		{"2", "JSON: 3,000,000 one-letter list items (12 MB)", jsonItems(3_000_000), false},
		{"3", "CSV: 7,000,000 one-letter cells (14 MB)", csvCells, false},
		{"3", "XLSX: one shared string of 100 MB", sharedStringBomb, false},
		{"3", "XLSX: 5,000,000 cells with references (13 MB)", manyCells(true, 50_000), false},
		{"3", "XLSX: 5,000,000 cells in 80 MB of XML", manyCells(false, 50_000), false},
		{"4", "96 simultaneous sign-ins, wrong password", guesses, false},
		{"5", "1 GiB multipart body to /import, chunked", hugeMultipart, false},
		{"5", "1 GiB declared Content-Length to /import", declaredLength, false},
		{"2", "YAML: 40,000 keys in one mapping (CPU: yaml.v3 compares keys pairwise)", yamlKeys(1, 40_000), false},
		{"2", "YAML: 5,150 activities of 100 keys, at the bound (1,030,000 nodes)", bounded(yamlKeys(5_150, 100)), true},
		{"2", "JSON: 1,000,000 list items, at the bound", bounded(jsonItems(1_000_000)), true},
		{"3", "XLSX: 1,000,000 cells, at the bound", bounded(manyCells(false, 10_000)), true},
	}
	rss, _ := s.memory()
	fmt.Printf("server at start: %d MiB resident\n\n", rss)
	fmt.Printf("| point | attack | answer | time | peak during | RSS after |\n|---|---|---|---|---|---|\n")
	var failed []string
	refusing, bounds := 0, 0 // the peaks while refusing, at the bounds
	for _, a := range attacks {
		if !only.MatchString(a.name) {
			continue
		}
		s.resetPeak()
		start := time.Now()
		answer, err := a.fn(s)
		took := time.Since(start)
		rss, hwm := s.memory()
		if err != nil {
			answer = "NOT REFUSED: " + err.Error()
			failed = append(failed, a.name)
		}
		fmt.Printf("| %s | %s | %s | %.1f s | %d MiB | %d MiB |\n", a.point, a.name, answer, took.Seconds(), hwm, rss)
		if a.accepted {
			bounds = max(bounds, hwm)
		} else {
			refusing = max(refusing, hwm)
		}
	}
	fmt.Printf("\npeak resident memory of the server while refusing the attacks: %d MiB (limit %d MiB)\n", refusing, limit)
	fmt.Printf("peak with the documents at the bounds: %d MiB (limit %d MiB)\n", bounds, boundLimit)
	if refusing > limit {
		failed = append(failed, fmt.Sprintf("peak %d MiB over %d MiB", refusing, limit))
	}
	if bounds > boundLimit {
		failed = append(failed, fmt.Sprintf("peak at the bounds %d MiB over %d MiB", bounds, boundLimit))
	}
	if len(failed) > 0 {
		return fmt.Errorf("failed: %s", strings.Join(failed, "; "))
	}
	return nil
}

// resetPeak starts the server's peak resident memory (VmHWM) anew from
// what is resident now (Linux: 5 to clear_refs).
func (s *server) resetPeak() {
	os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.pid), []byte("5"), 0)
}

// memory returns the server's resident memory now and at its peak, MiB.
func (s *server) memory() (rss, hwm int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return -1, -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			hwm = kb / 1024
		}
	}
	return rss, hwm
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// statuses counts answers by status code, in order of first appearance.
type statuses struct {
	mu    sync.Mutex
	order []int
	n     map[int]int
}

func (c *statuses) add(code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[int]int{}
	}
	if c.n[code] == 0 {
		c.order = append(c.order, code)
	}
	c.n[code]++
}

func (c *statuses) String() string {
	var parts []string
	for _, code := range c.order {
		parts = append(parts, fmt.Sprintf("%d × %d", c.n[code], code))
	}
	return strings.Join(parts, ", ")
}

// only reports an error unless every answer had one of the codes.
func (c *statuses) only(codes ...int) error {
	for code, n := range c.n {
		ok := false
		for _, want := range codes {
			ok = ok || code == want
		}
		if !ok {
			return fmt.Errorf("%d answers %d (%s)", n, code, c)
		}
	}
	return nil
}

// longMethods sends requests whose methods are size bytes of letters,
// each different, over raw connections (8 at a time), then reads
// /metrics: its size shows whether the methods became labels.
func longMethods(size int) func(*server) (string, error) {
	return func(s *server) (string, error) { return sendMethods(s, size) }
}

func sendMethods(s *server, size int) (string, error) {
	addr := strings.TrimPrefix(s.url, "http://")
	var c statuses
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			method := make([]byte, size)
			for range jobs {
				for k := range method {
					method[k] = 'A' + byte(randBytes(1)[0]%26)
				}
				c.add(rawRequest(addr, string(method)+" /api/v1/activities HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
			}
		}()
	}
	for k := range 2000 {
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	req, _ := http.NewRequest("GET", s.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("/metrics: %s", resp.Status)
	}
	methods := map[string]bool{}
	for _, m := range regexp.MustCompile(`method="([^"]*)"`).FindAllSubmatch(body, -1) {
		methods[string(m[1])] = true
	}
	answer := fmt.Sprintf("%s; /metrics %d KB, %d method labels", &c, len(body)>>10, len(methods))
	if len(methods) > 10 || len(body) > 1<<20 {
		return "", fmt.Errorf("%s: the methods became labels", answer)
	}
	return answer, c.only(http.StatusMethodNotAllowed, http.StatusNotImplemented, http.StatusBadRequest, http.StatusNotFound, 431)
}

// rawRequest writes req on a new connection and returns the answer's
// status (0 when there was none).
func rawRequest(addr, req string) int {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	go io.WriteString(conn, req)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// apiImport posts a document to the import API with the editor's token.
func (s *server) apiImport(name string, doc []byte, dry bool) (int, string, error) {
	u := s.url + "/api/v1/import?name=" + url.QueryEscape(name)
	if dry {
		u += "&dry_run=true"
	}
	req, err := http.NewRequest("POST", u, bytes.NewReader(doc))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body), nil
}

// refused reports the answer of an import that must be refused as bad
// input (4xx), with the start of the server's message.
func refused(code int, body string, size int) (string, error) {
	msg := body
	if m := regexp.MustCompile(`"message":("(?:[^"\\]|\\.)*")`).FindStringSubmatch(body); m != nil {
		if u, err := strconv.Unquote(m[1]); err == nil {
			msg = u
		}
	}
	if r := []rune(msg); len(r) > 110 {
		msg = string(r[:110]) + "…"
	}
	answer := fmt.Sprintf("%d (%d KB sent): %s", code, size>>10, msg)
	if code < 400 || code >= 500 {
		return "", errors.New(answer)
	}
	return answer, nil
}

func yamlBomb(s *server) (string, error) {
	var b bytes.Buffer
	b.WriteString("title: bomb\nfiller: &a \"")
	b.Write(bytes.Repeat([]byte("A"), 200<<10))
	b.WriteString("\"\nactivities:\n  - id: a-1\n    name: x\n    purposes: [")
	for k := range 20000 {
		if k > 0 {
			b.WriteString(", ")
		}
		b.WriteString("*a")
	}
	b.WriteString("]\n")
	return s.refusedImport("bomb.yaml", b.Bytes())
}

// yamlItems sends a YAML document of n small nodes and no alias: its
// size is within the upload limit, its parsed tree need not be.
func yamlItems(n int) func(*server) (string, error) {
	return func(s *server) (string, error) {
		var b bytes.Buffer
		b.WriteString("title: nodes\nactivities:\n  - id: a-1\n    name: x\n    purposes: [a")
		for range n - 1 {
			b.WriteString(",a")
		}
		b.WriteString("]\n")
		return s.refusedImport("nodes.yaml", b.Bytes())
	}
}

// yamlKeys sends a YAML document of maps activities with keys keys each
// (one-letter values): the most nodes the node bound lets through (a key
// and its value count one each), or, in one mapping, the keys yaml.v3
// compares pairwise.
func yamlKeys(maps, keys int) func(*server) (string, error) {
	return func(s *server) (string, error) {
		var b bytes.Buffer
		b.WriteString("title: keys\nactivities:\n")
		for m := range maps {
			fmt.Fprintf(&b, "  - id: a-%d\n", m)
			for k := range keys - 1 {
				fmt.Fprintf(&b, "    k%d: a\n", k)
			}
		}
		return s.refusedImport("keys.yaml", b.Bytes())
	}
}

// bounded runs an attack whose document is within the bounds: it may be
// imported (as a dry run), and only the memory it costs counts.
func bounded(attack func(*server) (string, error)) func(*server) (string, error) {
	return func(s *server) (string, error) {
		answer, err := attack(s)
		if err != nil && strings.HasPrefix(err.Error(), "200 ") {
			return err.Error(), nil
		}
		return answer, err
	}
}

// jsonItems sends the native format as JSON with one list of n items.
func jsonItems(n int) func(*server) (string, error) {
	return func(s *server) (string, error) {
		var b bytes.Buffer
		b.WriteString(`{"title":"items","activities":[{"id":"a-1","name":"x","purposes":["a"`)
		for range n - 1 {
			b.WriteString(`,"a"`)
		}
		b.WriteString("]}]}\n")
		return s.refusedImport("items.json", b.Bytes())
	}
}

// csvCells sends a CSV table of 100 columns (two known, the rest notes)
// and one-letter cells.
func csvCells(s *server) (string, error) {
	var b bytes.Buffer
	b.WriteString("Bezeichnung;Zweck")
	for c := 2; c < 100; c++ {
		fmt.Fprintf(&b, ";Notiz %d", c)
	}
	b.WriteString("\n")
	row := strings.Repeat("1;", 99) + "1\n"
	for range 70_000 {
		b.WriteString(row)
	}
	return s.refusedImport("cells.csv", b.Bytes())
}

// workbook writes a minimal XLSX: one sheet with the given sheet XML,
// and shared strings.
func workbook(sheet func(io.Writer), shared func(io.Writer)) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	put := func(name string, fill func(io.Writer)) {
		w, _ := z.Create(name)
		bw := bufio.NewWriterSize(w, 1<<16)
		fill(bw)
		bw.Flush()
	}
	text := func(s string) func(io.Writer) { return func(w io.Writer) { io.WriteString(w, s) } }
	put("[Content_Types].xml", text(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`))
	put("_rels/.rels", text(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`))
	put("xl/workbook.xml", text(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Verzeichnis" sheetId="1" r:id="rId1"/></sheets></workbook>`))
	put("xl/_rels/workbook.xml.rels", text(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`))
	put("xl/sharedStrings.xml", shared)
	put("xl/worksheets/sheet1.xml", sheet)
	z.Close()
	return buf.Bytes()
}

const sheetHead = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
const sheetTail = `</sheetData></worksheet>`

func col(k int) string {
	s := ""
	for k++; k > 0; k = (k - 1) / 26 {
		s = string(rune('A'+(k-1)%26)) + s
	}
	return s
}

func sharedStringBomb(s *server) (string, error) {
	doc := workbook(func(w io.Writer) {
		io.WriteString(w, sheetHead)
		io.WriteString(w, `<row r="1"><c r="A1" t="inlineStr"><is><t>Bezeichnung</t></is></c><c r="B1" t="inlineStr"><is><t>Zweck</t></is></c></row>`)
		for r := 2; r < 2000; r++ {
			fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="s"><v>0</v></c><c r="B%d" t="s"><v>0</v></c></row>`, r, r, r)
		}
		io.WriteString(w, sheetTail)
	}, func(w io.Writer) {
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>`)
		chunk := bytes.Repeat([]byte("A"), 1<<20)
		for range 100 {
			w.Write(chunk)
		}
		io.WriteString(w, `</t></si></sst>`)
	})
	return s.refusedImport("bomb.xlsx", doc)
}

// manyCells sends a workbook of rows of 100 cells, the cells with
// references ("AB123", as spreadsheet programs write them) or without
// (less XML, so that the unpacked size stays under its bound and the
// cell bound must refuse it).
func manyCells(refs bool, rows int) func(*server) (string, error) {
	return func(s *server) (string, error) {
		const cols = 100
		doc := workbook(func(w io.Writer) {
			io.WriteString(w, sheetHead)
			// A header row the importer knows, so that it reads on: two
			// columns it knows, the rest free notes.
			io.WriteString(w, `<row><c t="inlineStr"><is><t>Bezeichnung</t></is></c><c t="inlineStr"><is><t>Zweck</t></is></c>`)
			for c := 2; c < cols; c++ {
				fmt.Fprintf(w, `<c t="inlineStr"><is><t>Notiz %d</t></is></c>`, c)
			}
			io.WriteString(w, `</row>`)
			for r := 1; r <= rows; r++ {
				io.WriteString(w, `<row>`)
				for c := range cols {
					if refs {
						fmt.Fprintf(w, `<c r="%s%d"><v>%d</v></c>`, col(c), r, (r*cols+c)%1000)
					} else {
						io.WriteString(w, `<c><v>1</v></c>`)
					}
				}
				io.WriteString(w, `</row>`)
			}
			io.WriteString(w, sheetTail)
		}, func(w io.Writer) {
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>`)
		})
		return s.refusedImport("cells.xlsx", doc)
	}
}

// refusedImport posts doc as a dry-run import and reports the answer,
// which must be a refusal, and how long the server took.
func (s *server) refusedImport(name string, doc []byte) (string, error) {
	start := time.Now()
	code, body, err := s.apiImport(name, doc, true)
	if err != nil {
		return "", err
	}
	answer, err := refused(code, body, len(doc))
	return fmt.Sprintf("%s (answered in %.2f s)", answer, time.Since(start).Seconds()), err
}

// csrfOf reads the CSRF field of a page's form.
func csrfOf(page []byte, path string) (string, error) {
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindSubmatch(page)
	if m == nil {
		return "", fmt.Errorf("no CSRF field on %s", path)
	}
	return string(m[1]), nil
}

// loginPage returns a client with the session cookie of the web login
// page and the form's CSRF token.
func (s *server) loginPage() (*http.Client, string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(s.url + "/login")
	if err != nil {
		return nil, "", err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf, err := csrfOf(body, "/login")
	return c, csrf, err
}

func guesses(s *server) (string, error) {
	var c statuses
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 96)
	for k := range 96 {
		cl, csrf, err := s.loginPage()
		if err != nil {
			return "", err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := cl.PostForm(s.url+"/login", url.Values{"name": {"victim"}, "password": {fmt.Sprintf("guess number %d of many", k)}, "csrf": {csrf}})
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			c.add(resp.StatusCode)
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return "", err
	}
	return c.String(), c.only(http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusOK)
}

// signIn signs the editor in and returns the client and a CSRF token for
// its forms.
func (s *server) signIn() (*http.Client, string, error) {
	c, csrf, err := s.loginPage()
	if err != nil {
		return nil, "", err
	}
	resp, err := c.PostForm(s.url+"/login", url.Values{"name": {s.user}, "password": {s.pw}, "csrf": {csrf}, "next": {"/import"}})
	if err != nil {
		return nil, "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, "", fmt.Errorf("sign-in: %s", resp.Status)
	}
	resp, err = c.Get(s.url + "/import")
	if err != nil {
		return nil, "", err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf, err = csrfOf(body, "/import")
	return c, csrf, err
}

// hugeMultipart streams a multipart upload of 1 GiB without a declared
// length; the server must answer (413) and stop reading long before the
// end.
func hugeMultipart(s *server) (string, error) {
	c, csrf, err := s.signIn()
	if err != nil {
		return "", err
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	var sent int64
	go func() {
		mw.WriteField("csrf", csrf)
		part, _ := mw.CreateFormFile("file", "huge.csv")
		chunk := bytes.Repeat([]byte("Bezeichnung;Zweck\n"), 1<<16)
		for sent < 1<<30 {
			n, err := part.Write(chunk)
			sent += int64(n)
			if err != nil {
				return
			}
		}
		mw.Close()
		pw.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", s.url+"/import", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	pr.CloseWithError(errors.New("answered"))
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	answer := fmt.Sprintf("%d after %d MiB sent", resp.StatusCode, sent>>20)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		return "", errors.New(answer)
	}
	return answer, nil
}

// declaredLength announces 1 GiB and sends a little: the server must
// refuse from the header, unread.
func declaredLength(s *server) (string, error) {
	c, csrf, err := s.signIn()
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("csrf", csrf)
	req, _ := http.NewRequest("POST", s.url+"/import", io.MultiReader(&b, strings.NewReader(strings.Repeat("x", 1<<20))))
	req.ContentLength = 1 << 30
	req.Header.Set("Content-Type", mw.FormDataContentType())
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		// The server answers and closes while the client still writes;
		// the client may see that as an error instead of the answer.
		if time.Since(start) < 10*time.Second {
			return fmt.Sprintf("connection closed after %.1f s", time.Since(start).Seconds()), nil
		}
		return "", err
	}
	resp.Body.Close()
	answer := fmt.Sprintf("%d in %.2f s", resp.StatusCode, time.Since(start).Seconds())
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		return "", errors.New(answer)
	}
	return answer, nil
}
