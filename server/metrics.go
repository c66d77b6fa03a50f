package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"gdpr/auth"
	"gdpr/httpx"
	"gdpr/locale"
	"gdpr/session"
)

// metrics counts requests by route pattern (never by URL, which may carry
// ids or search terms) in a registry of its own.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// Sweeps, by system and table (names, never a row).
	sweepDue, sweepHeld, sweepRows *prometheus.CounterVec
	sweepBatch                     *prometheus.HistogramVec
}

// Examined implements app.SweepObserver.
func (m *metrics) Examined(system, table string, due, held int64) {
	m.sweepDue.WithLabelValues(system, table).Add(float64(due))
	m.sweepHeld.WithLabelValues(system, table).Add(float64(held))
}

// Batch implements app.SweepObserver.
func (m *metrics) Batch(system, table, action string, rows int64, d time.Duration) {
	m.sweepRows.WithLabelValues(system, table, action).Add(float64(rows))
	m.sweepBatch.WithLabelValues(system, table).Observe(d.Seconds())
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gdpr_http_requests_total", Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gdpr_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 8),
		}, []string{"route"}),
	}
	m.sweepDue = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gdpr_sweep_rows_examined_total", Help: "Rows sweeps found past their retention, by system and table."}, []string{"system", "table"})
	m.sweepHeld = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gdpr_sweep_rows_held_total", Help: "Rows past their retention that legal holds kept, by system and table."}, []string{"system", "table"})
	m.sweepRows = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gdpr_sweep_rows_total", Help: "Rows sweeps deleted, anonymised or flagged, by system, table and action."}, []string{"system", "table", "action"})
	m.sweepBatch = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gdpr_sweep_batch_duration_seconds", Help: "Duration of a sweep batch, by system and table.",
		Buckets: prometheus.ExponentialBuckets(0.005, 3, 8)}, []string{"system", "table"})
	m.reg.MustRegister(m.sweepDue, m.sweepHeld, m.sweepRows, m.sweepBatch)
	m.reg.MustRegister(m.requests, m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(s int) { r.status = s; r.ResponseWriter.WriteHeader(s) }

// Unwrap lets http.ResponseController reach the connection.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// wrap measures every request.
func (m *metrics) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := httpx.Route(r)
		// Labels only from fixed sets: the method as one of the standard
		// ones (a client picks it freely), the route as our pattern.
		m.requests.WithLabelValues(httpx.Method(r.Method), route, strconv.Itoa(rec.status)).Inc()
		m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// handler serves /metrics to requests with read permission (a Prometheus
// scraper sends an auditor's API token as Bearer).
func (m *metrics) handler(a session.Authenticator, c Config) http.Handler {
	prom := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := a.Authorize(r, auth.Read); err != nil {
			httpx.Error(w, r, c.Log, err, locale.EN)
			return
		}
		prom.ServeHTTP(w, r)
	})
}
