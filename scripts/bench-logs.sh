#!/usr/bin/env bash
# Throughput of `gdpr logs anonymize` against `cat` and a sed -E one-liner
# (IPv4 and e-mail only) on the same generated log, in one run.
# Usage: scripts/bench-logs.sh [MEGABYTES]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-200}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/gdpr" ./cmd/gdpr
go run ./tools/genlog -size "$size" > "$dir/mixed.log"
bytes=$(stat -c %s "$dir/mixed.log")
lines=$(wc -l < "$dir/mixed.log")

secs() { # command... ; prints seconds of the best of three runs
	local best=""
	for _ in 1 2 3; do
		local s e
		s=$(date +%s.%N)
		"$@" < "$dir/mixed.log" > /dev/null
		e=$(date +%s.%N)
		best=$(awk -v s="$s" -v e="$e" -v b="$best" 'BEGIN { d = e - s; if (b == "" || d < b) print d; else print b }')
	done
	echo "$best"
}

t_cat=$(secs cat)
t_sed=$(secs sed -E 's/([0-9]{1,3}\.){3}[0-9]{1,3}/0/g; s/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/x@x/g')
t_gdpr=$(secs "$dir/gdpr" --db "$dir/bench.db" logs anonymize --attack-key "$dir/attacks.key")
t_noatt=$(secs "$dir/gdpr" logs anonymize --no-attacks)

awk -v b="$bytes" -v l="$lines" -v tc="$t_cat" -v ts="$t_sed" -v tg="$t_gdpr" -v tn="$t_noatt" 'BEGIN {
	printf "input: %.0f MB, %d lines, %d CPUs\n", b / 1e6, l, '"$(nproc)"'
	printf "%-34s %10s %14s %10s\n", "command", "MB/s", "lines/s", "x sed"
	printf "%-34s %10.0f %14.0f %10.2f\n", "cat", b / 1e6 / tc, l / tc, ts / tc
	printf "%-34s %10.0f %14.0f %10.2f\n", "sed -E (IPv4 + e-mail)", b / 1e6 / ts, l / ts, 1
	printf "%-34s %10.0f %14.0f %10.2f\n", "gdpr logs anonymize --no-attacks", b / 1e6 / tn, l / tn, ts / tn
	printf "%-34s %10.0f %14.0f %10.2f\n", "gdpr logs anonymize (attacks on)", b / 1e6 / tg, l / tg, ts / tg
}'
