#!/usr/bin/env bash
# Throughput of `gdpr logs anonymize` against `cat` and a sed -E one-liner
# (IPv4 and e-mail only) on the same generated log, in one run.
# Usage: scripts/bench-logs.sh [MEGABYTES] [ROUNDS]   (default 200 MB, 3 rounds)
#
# The commands take turns, round after round, and each one's best round
# counts: on a shared machine a busy spell then slows every command a
# little instead of one command all the way.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-200}
rounds=${2:-3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/gdpr" ./cmd/gdpr
go run ./tools/genlog -size "$size" > "$dir/mixed.log"
bytes=$(stat -c %s "$dir/mixed.log")
lines=$(wc -l < "$dir/mixed.log")

declare -A best
run() { # name command... ; keeps the name's best time in seconds
	local name=$1 s e
	shift
	s=$(date +%s.%N)
	"$@" < "$dir/mixed.log" > /dev/null
	e=$(date +%s.%N)
	best[$name]=$(awk -v s="$s" -v e="$e" -v b="${best[$name]:-}" 'BEGIN { d = e - s; if (b == "" || d < b) print d; else print b }')
}

for r in $(seq "$rounds"); do
	echo "round $r of $rounds" >&2
	run cat cat
	run sed sed -E 's/([0-9]{1,3}\.){3}[0-9]{1,3}/0/g; s/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/x@x/g'
	run noatt "$dir/gdpr" logs anonymize --no-attacks
	run gdpr "$dir/gdpr" --db "$dir/bench.db" logs anonymize --attack-key "$dir/attacks.key"
done

awk -v b="$bytes" -v l="$lines" -v tc="${best[cat]}" -v ts="${best[sed]}" -v tg="${best[gdpr]}" -v tn="${best[noatt]}" -v r="$rounds" 'BEGIN {
	printf "input: %.0f MB, %d lines, %d CPUs, best of %d rounds\n", b / 1e6, l, '"$(nproc)"', r
	printf "%-34s %10s %14s %10s\n", "command", "MB/s", "lines/s", "x sed"
	printf "%-34s %10.0f %14.0f %10.2f\n", "cat", b / 1e6 / tc, l / tc, ts / tc
	printf "%-34s %10.0f %14.0f %10.2f\n", "sed -E (IPv4 + e-mail)", b / 1e6 / ts, l / ts, 1
	printf "%-34s %10.0f %14.0f %10.2f\n", "gdpr logs anonymize --no-attacks", b / 1e6 / tn, l / tn, ts / tn
	printf "%-34s %10.0f %14.0f %10.2f\n", "gdpr logs anonymize (attacks on)", b / 1e6 / tg, l / tg, ts / tg
}'
