#!/usr/bin/env bash
# The memory attacks of issue 10 (points 1-5) against a gdpr serve of its
# own on a fresh SQLite store: how each is answered and the server's
# resident memory after it and at its peak. Fails when an attack is not
# refused or the server passes 200 MiB while refusing them (360 MiB for
# the documents at the importer's bounds, which it may accept).
# Usage: scripts/attack-memory.sh [tools/attackmem flags]   (about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/gdpr" ./cmd/gdpr
go run ./tools/attackmem -gdpr "$dir/gdpr" "$@"
