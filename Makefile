# palisade: one entry point. `make synth` and `make test` set up what they need.
ORG ?= organization.yaml

export CDK_HOME := $(CURDIR)/.cdk
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export NODE_NO_WARNINGS := 1

CDK := node_modules/.bin/cdk
PALISADE := bin/palisade
GO_SOURCES := $(shell find . -name '*.go' -not -path './node_modules/*' -not -path './cdk.out/*')

.PHONY: setup validate synth diagram cost test lint clean lambdas

# Lambda functions the stacks deploy: each cmd/lambda/<name> is built for
# provided.al2023 on arm64 into build/lambda/<name>/bootstrap, reproducibly
# (-trimpath, no build id), so two builds hash to the same CDK asset.
LAMBDAS := $(notdir $(wildcard cmd/lambda/*))
LAMBDA_BINS := $(LAMBDAS:%=build/lambda/%/bootstrap)

## lambdas: build the Lambda functions (Go, linux/arm64) that synth packages as assets
lambdas: $(LAMBDA_BINS)

build/lambda/%/bootstrap: $(GO_SOURCES) go.mod go.sum
	@CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -trimpath -buildvcs=false -tags lambda.norpc -ldflags='-s -w -buildid=' -o $@ ./cmd/lambda/$*

## setup: install the pinned CDK CLI, cfn-guard and the IAM policy engine (npm ci), Go modules; check cfn-lint (moto is checked by the targets that run the lane; Graphviz is needed only by make diagram)
setup: node_modules/.installed
	@go mod download
	@command -v cfn-lint >/dev/null 2>&1 || { \
	  echo "setup: cfn-lint is not on PATH; install it with: pip install cfn-lint==1.51.0" >&2; exit 1; }
	@command -v dot >/dev/null 2>&1 || \
	  echo "setup: note: Graphviz's dot is not on PATH; only make diagram needs it (apt-get install graphviz)" >&2

# moto: the deploy lane's emulator (make test and make e2e run the lane).
.PHONY: moto
moto:
	@python3 -c 'import moto, sys; sys.exit(moto.__version__ != "5.2.1")' 2>/dev/null || { \
	  echo 'setup: the deploy lane needs moto 5.2.1 in python3; install it with: pip install "moto[server]==5.2.1"' >&2; exit 1; }

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(PALISADE): $(GO_SOURCES) go.mod go.sum
	@go build -o $@ ./cmd/palisade

## validate: check an org file alone (ORG=path): palisade exits 0, or lists every problem and exits 1 (make then reports 2)
validate: $(PALISADE)
	@$(PALISADE) validate $(ORG)

## synth: synthesize ORG into cdk.out with every gate on, then print the summary
synth: setup lambdas $(PALISADE)
	@$(PALISADE) validate $(ORG)
	@rm -rf cdk.out
	@$(CDK) synth --quiet -c org=$(ORG) $(if $(ACCOUNTS),-c accounts=$(ACCOUNTS)) $(if $(REGIONS),-c regions=$(REGIONS)) >/dev/null
	@$(PALISADE) gates cdk.out

## bootstrap-plan: print, for ORG, every account's bootstrap commands (trusting the deploying account, with the shipped execution policies) and the deploy waves
.PHONY: bootstrap-plan
bootstrap-plan: $(PALISADE)
	@$(PALISADE) bootstrap-plan $(ORG)

## preflight: with the deploying account's credentials, read-only checks of what would make ORG's deploy fail (exit 1), each with its fix
.PHONY: preflight
preflight: $(PALISADE)
	@$(PALISADE) preflight -org $(ORG)
## diagram: synthesize ORG, then draw it (accounts, regions, VPCs, log flows, deploy waves) into docs/organization.svg (needs Graphviz: apt-get install graphviz)
diagram: synth
	@$(PALISADE) diagram -org $(ORG) -assembly cdk.out -format dot -o docs/organization.dot
	@$(PALISADE) diagram -org $(ORG) -assembly cdk.out -o docs/organization.svg

## bench: synth orgs of 1, 10, 50 and 200 workload accounts x 2 regions (validation on and off) and one account of the largest; prints wall time, peak memory, ms per extra stack (SIZES=1,10 for a quick run; JOBS=auto,1 to compare the parallel synth with one process)
.PHONY: bench
bench: lambdas
	@go run ./cmd/bench $(if $(SIZES),-sizes $(SIZES)) $(if $(JOBS),-jobs $(JOBS))

## cost: synthesize ORG (and ORG as profile lean into cdk.out.lean), then print the fixed monthly cost per account and region and per stack purpose of the plan, the usage-based charges (prices: cost/prices.json) and what lean saves
cost: synth
	@rm -rf cdk.out.lean
	@$(CDK) synth --quiet -c org=$(ORG) -c profile=lean -o cdk.out.lean >/dev/null
	@$(PALISADE) cost -org $(ORG) -compare cdk.out.lean cdk.out

## test: the whole suite
test: setup moto lambdas
	CDK_VALIDATION=false go test ./...

## e2e: deploy ORG into the moto emulator with the real CDK CLI, read it back, redeploy (~40 s; needs python3 with moto 5.2.1)
.PHONY: e2e demo
e2e: node_modules/.installed moto lambdas
	go test ./test/e2e -run '^TestDeploy$$' -count=1 -v -args -org $(ORG)

## e2e-scale: the options lane with its stack sets deployed to an OU of N accounts outside the org file (N=50 by default; CI runs 10), and one created after the deploy
.PHONY: e2e-scale
N ?= 50
e2e-scale: node_modules/.installed moto lambdas
	go test ./test/e2e -run '^TestDeployOptions$$' -count=1 -v -timeout 30m -args -fanout-accounts $(N)

## demo: the e2e lane, then a readable report of the accounts, stacks and every check
demo: node_modules/.installed moto lambdas
	@go test ./test/e2e -run '^TestDeploy$$' -count=1 -v -args -org $(ORG) -demo

## schema: regenerate organization.schema.json, the org file's JSON Schema for editors, from the config package's field tables (a test fails when the committed file is stale)
.PHONY: schema
schema: $(PALISADE)
	@$(PALISADE) schema -o organization.schema.json

## lint: formatting and vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change: $$out" >&2; exit 1; fi
	go vet ./...

clean:
	rm -rf cdk.out cdk.out.lean bin build .cdk
