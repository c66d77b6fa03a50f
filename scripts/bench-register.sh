#!/usr/bin/env bash
# The cost of a large register: import, check, exports (wall time and the
# peak memory of each command) and the server's pages and API (the time of
# each answer, the server's peak memory), for N generated activities.
# Usage: scripts/bench-register.sh [ACTIVITIES] [ROUNDS]   (default 10000, 5)
#
# With GDPR_BENCH_POSTGRES set to a postgres:// URL the store is that
# database (a schema of its own, dropped afterwards), else a SQLite file.
# Each page is asked ROUNDS times after a warm-up; the median counts. The
# first answer after a change of the register (the lint is made again) is
# shown apart.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
rounds=${2:-5}
dir=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	if [ -n "${schema:-}" ]; then psql "$GDPR_BENCH_POSTGRES" -qc "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true; fi
	rm -rf "$dir"
}
trap cleanup EXIT
go build -o "$dir/gdpr" ./cmd/gdpr
go run ./tools/genregister -n "$n" -format yaml > "$dir/register.yaml"
db="$dir/gdpr.db"
if [ -n "${GDPR_BENCH_POSTGRES:-}" ]; then
	schema="bench_$$"
	psql "$GDPR_BENCH_POSTGRES" -qc "CREATE SCHEMA $schema" >/dev/null
	sep='?'; case "$GDPR_BENCH_POSTGRES" in *\?*) sep='&';; esac
	db="$GDPR_BENCH_POSTGRES${sep}search_path=$schema"
fi
G=("$dir/gdpr" --db "$db")
g() { "${G[@]}" "$@"; }

# measure NAME command...: wall seconds and peak RSS (MiB) of a command.
measure() {
	local name=$1
	shift
	/usr/bin/time -f "%e %M" -o "$dir/time" "$@" > /dev/null
	read -r secs kb < "$dir/time"
	printf "%-44s %8.2f s %8.0f MiB\n" "$name" "$secs" "$((kb / 1024))"
}

echo "register: $n activities, $(grep -c '^  - id: tom-' "$dir/register.yaml") measures, $(du -m "$dir/register.yaml" | cut -f1) MB of YAML; store: $([ -n "${GDPR_BENCH_POSTGRES:-}" ] && echo PostgreSQL || echo SQLite); $(nproc) CPUs"
measure "gdpr import (new store)" "${G[@]}" import "$dir/register.yaml"
measure "gdpr import (unchanged)" "${G[@]}" import "$dir/register.yaml"
measure "gdpr import --dry-run (unchanged)" "${G[@]}" import --dry-run "$dir/register.yaml"
measure "gdpr check" sh -c '"$0" --db "$1" check || [ $? -eq 1 ]' "$dir/gdpr" "$db"
for f in pdf xlsx csv yaml; do
	measure "gdpr export --format $f" "${G[@]}" export --format "$f" -o "$dir/export.$f"
done

pw="bench password $(date +%s%N)"
echo "$pw" | g users add bench --role admin --password-stdin > /dev/null
"${G[@]}" serve --addr 127.0.0.1:0 > "$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q 'http://' "$dir/serve.log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$dir/serve.log" | head -1)
jar="$dir/cookies"
csrf=$(curl -s -c "$jar" "$url/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | cut -d'"' -f4)
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "name=bench" --data-urlencode "password=$pw" --data-urlencode "csrf=$csrf" --data-urlencode "next=/" "$url/login"

# page NAME PATH: median time of ROUNDS answers after one warm-up.
page() {
	local name=$1 path=$2 t
	curl -s -b "$jar" -o /dev/null "$url$path"
	for _ in $(seq "$rounds"); do
		curl -s -b "$jar" -o /dev/null -w '%{time_total}\n' "$url$path"
	done | sort -n | awk -v name="$name" '{ t[NR] = $1 } END { printf "%-44s %8.3f s (median of %d)\n", name, t[int((NR + 1) / 2)], NR }'
}
token=$("${G[@]}" tokens create bench-$$ --role admin 2>/dev/null)
first() { # first answer after a change of the register (a review of a measure)
	local name=$1 path=$2 status
	status=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $token" -H "If-Match: \"$(curl -s -H "Authorization: Bearer $token" "$url/api/v1/controller" | grep -o '"version":[0-9]*' | cut -d: -f2)\"" \
		-H 'Content-Type: application/json' --data-binary "{\"title\":\"Benchmark $RANDOM\",\"controller\":{\"name\":\"Benchmark GmbH\"}}" "$url/api/v1/controller")
	[ "$status" = 200 ] || { echo "the change failed: $status" >&2; exit 1; }
	curl -s -b "$jar" -o /dev/null -w "%{time_total}" "$url$path" | awk -v name="$name" '{ printf "%-44s %8.3f s (once)\n", name, $1 }'
}
page "GET / (dashboard)" /
first "GET / (dashboard, first after a change)" /
page "GET /activities/a-5000 (one activity)" /activities/a-5000
first "GET /activities/a-5000 (first after a change)" /activities/a-5000
page "GET /activities (page 1 of $((n / 50)))" /activities
page "GET /activities?q=bewerbungen (filtered)" "/activities?q=bewerbungen"
page "GET /toms" /toms
page "GET /api/v1/findings?limit=100" "/api/v1/findings?limit=100"
page "GET /api/v1/activities?limit=100" "/api/v1/activities?limit=100"
rss() { awk '/VmHWM/ { printf "%d", $2 / 1024 }' "/proc/$pid/status"; }
echo "server peak RSS after the pages: $(rss) MiB"
curl -s -b "$jar" -o "$dir/api.pdf" -w '%{time_total}' "$url/api/v1/export?format=pdf" | awk '{ printf "%-44s %8.2f s\n", "GET /api/v1/export?format=pdf", $1 }'
echo "server peak RSS after the PDF export: $(rss) MiB; now $(awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$pid/status") MiB"
