#!/usr/bin/env bash
# Checks our validator against MetalLB's own Go validator (the code its webhooks and speakers run),
# offline: a copy of the MetalLB v0.16.1 module from the Go module cache, built with the lab's
# dependency versions (lab/go/metallb), so no download is needed once the lab was built.
# Usage: scripts/validator-vs-metallb/run.sh   (from the repository root; needs Go)
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
module="$(go env GOMODCACHE)/go.universe.tf/metallb@v0.16.1"
cp -r "$module" "$work/metallb" && chmod -R u+w "$work/metallb"
# MetalLB's own tests pull modules the lab's graph lacks; the check only needs the package.
rm -f "$work"/metallb/internal/config/*_test.go
grep -v -e 'go.universe.tf/metallb ' -e '^tool ' lab/go/metallb/go.mod | sed 's#^module .*#module go.universe.tf/metallb#' \
  > "$work/metallb/go.mod"
cp lab/go/metallb/go.sum "$work/metallb/go.sum"
cp scripts/validator-vs-metallb/corpus_agreement_test.go "$work/metallb/internal/config/"
npx tsx scripts/validator-vs-metallb/export-cases.ts "$work/cases.json"
cd "$work/metallb"
# -vet=off: MetalLB's own config.go fails vet (a %q of an int, which our messages reproduce).
CASES="$work/cases.json" GOFLAGS=-mod=mod GOPROXY=off go test -vet=off -count=1 -v \
  -run TestCorpusAgreement ./internal/config/ | grep -v -e "^=== RUN" -e "^--- "
