#!/usr/bin/env bash
# Developer smoke run of the ledger contracts against a real anvil (shanghai), using cast only.
# Deploys Participants → Catalog → Licenses → Enclaves → Jobs → Consents, binds Jobs, runs
# admit → publish → request → grant → submit → complete, grades and ε caps, an open job, consent give → withdraw,
# enclave approvals → a quote signed with cast → an attested join completed by the quoted key, and a
# set of refusals, asserting every
# result (refusals by their exact ABI-encoded custom error). Starts anvil on a free port and
# always stops it. Exits non-zero on the first failed assertion.
#
# Not the test suite (the C# tests are); a quick way to see the contracts work after `npm run compile`.
# Requires: `npm ci` in chain/, jq, node.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="$HERE/node_modules/.bin"
ART="$HERE/artifacts"
for tool in "$BIN/anvil" "$BIN/cast"; do
  [[ -x "$tool" ]] || { echo "smoke: $tool missing; run 'npm ci' in chain/" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "smoke: jq is required" >&2; exit 2; }

PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
RPC="http://127.0.0.1:$PORT"
LOG="$(mktemp)"
"$BIN/anvil" --hardfork shanghai --host 127.0.0.1 --port "$PORT" >"$LOG" 2>&1 &
ANVIL_PID=$!
cleanup() { kill "$ANVIL_PID" 2>/dev/null || true; wait "$ANVIL_PID" 2>/dev/null || true; rm -f "$LOG"; }
trap cleanup EXIT
for _ in $(seq 1 50); do
  "$BIN/cast" block-number --rpc-url "$RPC" >/dev/null 2>&1 && break
  sleep 0.2
done
"$BIN/cast" block-number --rpc-url "$RPC" >/dev/null || { echo "smoke: anvil did not start" >&2; cat "$LOG" >&2; exit 1; }

# anvil's well-known development keys (public test mnemonic; never use on a real chain)
K_AUTH=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
K_OPER=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
K_BANK=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
K_NODE=0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6
K_OTHER=0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a
K_SIGNER=0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba
addr() { "$BIN/cast" wallet address --private-key "$1"; }
AUTH=$(addr $K_AUTH); OPER=$(addr $K_OPER); BANK=$(addr $K_BANK); NODE=$(addr $K_NODE)
OTHER=$(addr $K_OTHER); SIGNER=$(addr $K_SIGNER)

PASS=0
ok() { PASS=$((PASS + 1)); echo "  ok  $*"; }
die() { echo "FAIL: $*" >&2; exit 1; }

deploy() { # deploy <Contract> <key> [constructor-sig args...]
  local name=$1 key=$2; shift 2
  local code; code=$(jq -r .bytecode.object "$ART/$name.json")
  "$BIN/cast" send --json --rpc-url "$RPC" --private-key "$key" --create "$code" "$@" | jq -r .contractAddress
}
send() { # send <key> <to> <sig> [args...]
  local key=$1; shift
  local receipt status
  receipt=$("$BIN/cast" send --json --rpc-url "$RPC" --private-key "$key" "$@")
  status=$(jq -r .status <<<"$receipt")
  [[ "$status" == "0x1" ]] || die "transaction $* did not succeed (status $status)"
  echo "  tx  ${2%%(*} gas $(("$(jq -r .gasUsed <<<"$receipt")"))"
}
call() { # call <to> <sig(returns)> [args...]
  "$BIN/cast" call --rpc-url "$RPC" "$@"
}
expect_eq() { # expect_eq <what> <actual> <expected>
  # addresses come back checksummed from some cast commands and lower-case from others
  [[ "${2,,}" == "${3,,}" ]] || die "$1: expected '$3', got '$2'"
  ok "$1 = $3"
}
expect_revert() { # expect_revert <key> <ErrorSig> "<error args>" <to> <sig> [args...]
  local key=$1 errsig=$2 errargs=$3; shift 3
  local expected out from
  # shellcheck disable=SC2086
  expected=$("$BIN/cast" calldata "$errsig" $errargs)
  from=$(addr "$key")
  if out=$("$BIN/cast" send --rpc-url "$RPC" --private-key "$key" "$@" 2>&1); then
    die "$* succeeded; expected revert $errsig"
  fi
  grep -qi "data: \"$expected\"" <<<"$out" || die "$* reverted, but not with $errsig($errargs): $out"
  ok "refused: $errsig $errargs  ← $2 from ${from:0:8}"
}

echo "anvil on $RPC (shanghai)"
echo "deploy"
PARTS=$(deploy Participants $K_AUTH)
CAT=$(deploy Catalog $K_AUTH "constructor(address)" "$PARTS")
LIC=$(deploy Licenses $K_AUTH "constructor(address,address)" "$PARTS" "$CAT")
ENCL=$(deploy Enclaves $K_AUTH "constructor(address)" "$PARTS")
JOBS=$(deploy Jobs $K_AUTH "constructor(address,address,address,uint64,address)" "$PARTS" "$CAT" "$LIC" 3600 "$ENCL")
CONS=$(deploy Consents $K_AUTH "constructor(address,address)" "$PARTS" "$CAT")
for c in "$PARTS" "$CAT" "$LIC" "$ENCL" "$JOBS" "$CONS"; do
  size=$(( ($(echo -n "$("$BIN/cast" code --rpc-url "$RPC" "$c")" | wc -c) - 2) / 2 ))
  [[ $size -gt 0 && $size -le 24576 ]] || die "code size of $c is $size"
done
ok "deployed Participants=$PARTS Catalog=$CAT Licenses=$LIC Enclaves=$ENCL Jobs=$JOBS Consents=$CONS"
expect_revert $K_OPER "NotAuthority(address)" "$OPER" "$LIC" "bindJobs(address)" "$JOBS"
send $K_AUTH "$LIC" "bindJobs(address)" "$JOBS"
expect_eq "Licenses.jobs" "$(call "$LIC" "jobs()(address)")" "$JOBS"
expect_revert $K_AUTH "JobsAlreadyBound()" "" "$LIC" "bindJobs(address)" "$JOBS"
expect_eq "Participants.deploymentBlock > 0" "$( [[ $(call "$PARTS" "deploymentBlock()(uint64)") -ge 1 ]] && echo yes)" "yes"

echo "participants"
USCC_BANK=91350100M000100Y43
USCC_OTHER=91110000600037341L
send $K_AUTH "$PARTS" "admit(address,uint8,string,string)" "$OPER" 1 "Tax data operator" ""
send $K_AUTH "$PARTS" "admit(address,uint8,string,string)" "$BANK" 2 "Example Bank" "$USCC_BANK"
send $K_AUTH "$PARTS" "admit(address,uint8,string,string)" "$OTHER" 2 "Other Co" "$USCC_OTHER"
send $K_AUTH "$PARTS" "admitNode(address,string,string,string,address)" "$NODE" "Tax node" "tax" "http://127.0.0.1:7001" "$SIGNER"
expect_eq "participantCount" "$(call "$PARTS" "participantCount()(uint256)")" "4"
expect_eq "isActive(bank, Enterprise)" "$(call "$PARTS" "isActive(address,uint8)(bool)" "$BANK" 2)" "true"
expect_eq "nodeSigner(node)" "$(call "$PARTS" "nodeSigner(address)(address)" "$NODE")" "$SIGNER"
expect_revert $K_OPER "NotAuthority(address)" "$OPER" "$PARTS" "admit(address,uint8,string,string)" "$AUTH" 3 "x" ""
expect_revert $K_AUTH "AlreadyAdmitted(address)" "$BANK" "$PARTS" "admit(address,uint8,string,string)" "$BANK" 3 "x" ""
expect_revert $K_AUTH "InvalidRole(uint8)" "4" "$PARTS" "admit(address,uint8,string,string)" "$AUTH" 4 "x" ""
expect_revert $K_AUTH "InvalidCreditCode(string)" "91350100M000100Y44" "$PARTS" "admit(address,uint8,string,string)" "$AUTH" 2 "Bad code" "91350100M000100Y44"
expect_revert $K_AUTH "InvalidCreditCode(string)" "\"\"" "$PARTS" "admit(address,uint8,string,string)" "$AUTH" 2 "No code" ""

echo "catalog"
DS=$("$BIN/cast" keccak "tax.annual")
SCHEMA=$("$BIN/cast" keccak "schema-v1")
SNAP=$("$BIN/cast" keccak "snapshot-1")
COLT="(string,uint8,uint8,int256,int256,string[],int256,string)"
SPECT="(bytes32,string,address,bytes32,uint64,bytes32,uint8,uint64,uint32,uint8,uint8,uint32,$COLT[])"
PUBSIG="publish($SPECT)"
# year is GROUP_BY|FILTER INT: a SENSITIVE dataset needs its domain and a grid; credit_grade needs a domain
COLS="[(uscc,3,8,0,0,[],0,\"\"),(year,1,5,0,0,[2023,2024,2025],1,\"\"),(revenue,2,2,0,1000000000,[],0,\"\"),(credit_grade,3,1,0,0,[A,B,C],0,\"\")]"
# grade 3 SENSITIVE, ε cap 10.0; allowedKinds 6 = AGGREGATE (1<<1) | HE_WEIGHTED_AGGREGATE (1<<2)
expect_revert $K_OPER "WrongRole(address,uint8,uint8)" "$BANK 4 2" "$CAT" "$PUBSIG" "($DS,Tax annual,$BANK,$SCHEMA,1000,$SNAP,3,10000000,10,1,85,6,$COLS)"
expect_revert $K_OPER "InvalidKinds(uint32)" "64" "$CAT" "$PUBSIG" "($DS,Tax annual,$NODE,$SCHEMA,1000,$SNAP,3,10000000,10,1,85,64,$COLS)"
expect_revert $K_OPER "InvalidColumn(uint256)" "1" "$CAT" "$PUBSIG" "($DS,Tax annual,$NODE,$SCHEMA,1000,$SNAP,3,10000000,10,1,85,6,[(uscc,3,8,0,0,[],0,\"\"),(year,9,5,0,0,[],0,\"\")])"
expect_revert $K_OPER "EmptyPolicy()" "" "$CAT" "$PUBSIG" "($DS,Tax annual,$NODE,$SCHEMA,1000,$SNAP,3,10000000,10,1,85,6,[])"
expect_revert $K_OPER "InvalidGrade(uint8)" "0" "$CAT" "$PUBSIG" "($DS,Tax annual,$NODE,$SCHEMA,1000,$SNAP,0,10000000,10,1,85,6,$COLS)"
expect_revert $K_OPER "InvalidEpsilonCap(uint8,uint64)" "3 0" "$CAT" "$PUBSIG" "($DS,Tax annual,$NODE,$SCHEMA,1000,$SNAP,3,0,10,1,85,6,$COLS)"
expect_revert $K_OPER "MissingDomain(uint256)" "1" "$CAT" "$PUBSIG" "($DS,Tax annual,$NODE,$SCHEMA,1000,$SNAP,2,0,10,1,85,6,[(uscc,3,8,0,0,[],0,\"\"),(year,1,5,0,0,[],1,\"\")])"
expect_revert $K_OPER "MissingGrid(uint256)" "1" "$CAT" "$PUBSIG" "($DS,Tax annual,$NODE,$SCHEMA,1000,$SNAP,2,0,10,1,85,6,[(uscc,3,8,0,0,[],0,\"\"),(year,1,5,0,0,[2024],0,\"\")])"
expect_revert $K_BANK "WrongRole(address,uint8,uint8)" "$BANK 1 2" "$CAT" "$PUBSIG" "($DS,Tax annual,$NODE,$SCHEMA,1000,$SNAP,3,10000000,10,1,85,6,$COLS)"
send $K_OPER "$CAT" "$PUBSIG" "($DS,Tax annual,$NODE,$SCHEMA,1000,$SNAP,3,10000000,10,1,85,6,$COLS)"
expect_revert $K_OPER "DatasetExists(bytes32)" "$DS" "$CAT" "$PUBSIG" "($DS,Tax annual,$NODE,$SCHEMA,1000,$SNAP,3,10000000,10,1,85,6,$COLS)"
PUBLOG=$("$BIN/cast" logs --json --rpc-url "$RPC" --from-block 0 --address "$CAT" "DatasetPublished(bytes32,address,address,$SPECT)")
expect_eq "DatasetPublished logs" "$(jq length <<<"$PUBLOG")" "1"
expect_eq "DatasetPublished topic1 (id)" "$(jq -r '.[0].topics[1]' <<<"$PUBLOG")" "$DS"
expect_eq "DatasetPublished spec decodes with its columns" \
  "$("$BIN/cast" abi-decode "f()($SPECT)" "$(jq -r '.[0].data' <<<"$PUBLOG")" | grep -o 'credit_grade' | head -1)" "credit_grade"
expect_eq "datasetCount" "$(call "$CAT" "datasetCount()(uint256)")" "1"
expect_eq "columnCount(ds)" "$(call "$CAT" "columnCount(bytes32)(uint256)" "$DS")" "4"
expect_eq "columns(ds)[1] carries its domain" "$(call "$CAT" "columns(bytes32)($COLT[])" "$DS" | grep -o '"2024"' | head -1)" '"2024"'
expect_eq "terms(ds)" "$(call "$CAT" "terms(bytes32)(address,address,uint32,bool)" "$DS" | tr '\n' ' ')" "$OPER $NODE 6 true "
expect_eq "privacyTerms(ds)" "$(call "$CAT" "privacyTerms(bytes32)(uint8,uint64)" "$DS" | sed 's/ \[.*\]//' | tr '\n' ' ')" "3 10000000 "
expect_revert $K_OPER "GradeWeakened(bytes32,uint8,uint8)" "$DS 3 2" "$CAT" "raiseGrade(bytes32,uint8)" "$DS" 2
expect_revert $K_OPER "EpsilonCapRaised(bytes32,uint64,uint64)" "$DS 10000000 20000000" "$CAT" "lowerEpsilonCap(bytes32,uint64)" "$DS" 20000000
expect_revert $K_OPER "InvalidEpsilonCap(uint8,uint64)" "3 0" "$CAT" "lowerEpsilonCap(bytes32,uint64)" "$DS" 0
send $K_OPER "$CAT" "lowerEpsilonCap(bytes32,uint64)" "$DS" 5000000

echo "open dataset"
DSO=$("$BIN/cast" keccak "registry.open")
send $K_OPER "$CAT" "$PUBSIG" "($DSO,Open registry,$NODE,$SCHEMA,500,$SNAP,1,0,1,0,0,2,[(district,3,1,0,0,[east,west],0,\"\")])"
OSPEC=0x$(echo -n '{"kind":"AGGREGATE","count":true,"groupBy":["district"]}' | xxd -p | tr -d '\n')
expect_revert $K_OTHER "KindNotOpen(uint8)" "2" "$JOBS" "submitOpen(bytes32,uint8,bytes)" "$DSO" 2 "$OSPEC"
expect_revert $K_OTHER "NotOpen(bytes32,uint8)" "$DS 3" "$JOBS" "submitOpen(bytes32,uint8,bytes)" "$DS" 1 "$OSPEC"
send $K_OTHER "$JOBS" "submitOpen(bytes32,uint8,bytes)" "$DSO" 1 "$OSPEC"
expect_eq "open job 1 has license 0 and ε 0" "$(call "$JOBS" "job(uint64)((uint64,uint64,bytes32,address,uint8,bytes32,uint64,uint64,uint8,bytes32,uint64,uint64))" 1 | tr -d '() ' | cut -d, -f2,8)" "0,0"
expect_revert $K_OPER "InvalidEpsilonCap(uint8,uint64)" "3 0" "$CAT" "raiseGrade(bytes32,uint8)" "$DSO" 3
send $K_OPER "$CAT" "raiseGrade(bytes32,uint8)" "$DSO" 2
expect_revert $K_OTHER "NotOpen(bytes32,uint8)" "$DSO 2" "$JOBS" "submitOpen(bytes32,uint8,bytes)" "$DSO" 1 "$OSPEC"

echo "licenses"
expect_revert $K_BANK "EmptyPurpose()" "" "$LIC" "request(bytes32,string)" "$DS" ""
expect_revert $K_OPER "WrongRole(address,uint8,uint8)" "$OPER 2 1" "$LIC" "request(bytes32,string)" "$DS" "x"
send $K_BANK "$LIC" "request(bytes32,string)" "$DS" "small-business credit risk statistics"
expect_eq "requestCount" "$(call "$LIC" "requestCount()(uint64)")" "1"
NOW=$("$BIN/cast" block latest --rpc-url "$RPC" -f timestamp)
EXP=$((NOW + 90 * 86400))
expect_revert $K_BANK "NotDatasetOperator(bytes32,address)" "$DS $BANK" "$LIC" "grant(uint64,uint32,uint32,uint64,uint64)" 1 2 2 "$EXP" 2000000
expect_revert $K_OPER "KindsNotOffered(uint32,uint32)" "10 6" "$LIC" "grant(uint64,uint32,uint32,uint64,uint64)" 1 10 2 "$EXP" 2000000
expect_revert $K_OPER "InvalidQuota()" "" "$LIC" "grant(uint64,uint32,uint32,uint64,uint64)" 1 2 0 "$EXP" 2000000
expect_revert $K_OPER "UnknownRequest(uint64)" "9" "$LIC" "grant(uint64,uint32,uint32,uint64,uint64)" 9 2 2 "$EXP" 2000000
# grant AGGREGATE only (kinds 2), 2 jobs, 90 days, ε = 2.0
send $K_OPER "$LIC" "grant(uint64,uint32,uint32,uint64,uint64)" 1 2 2 "$EXP" 2000000
expect_revert $K_OPER "RequestNotPending(uint64)" "1" "$LIC" "grant(uint64,uint32,uint32,uint64,uint64)" 1 2 2 "$EXP" 2000000
expect_eq "licenseCount" "$(call "$LIC" "licenseCount()(uint64)")" "1"
expect_eq "isValid(1)" "$(call "$LIC" "isValid(uint64)(bool)" 1)" "true"

echo "jobs"
SPEC=0x$(echo -n '{"kind":"AGGREGATE","sum":"revenue","groupBy":["credit_grade"]}' | xxd -p | tr -d '\n')
expect_revert $K_BANK "EmptySpec()" "" "$JOBS" "submit(uint64,uint8,bytes,uint64)" 1 1 0x 500000
expect_revert $K_OTHER "NotLicensee(uint64,address)" "1 $OTHER" "$JOBS" "submit(uint64,uint8,bytes,uint64)" 1 1 "$SPEC" 500000
expect_revert $K_BANK "KindNotAllowed(uint64,uint8)" "1 2" "$JOBS" "submit(uint64,uint8,bytes,uint64)" 1 2 "$SPEC" 500000
expect_revert $K_BANK "BudgetExceeded(uint64,uint64,uint64)" "1 2000001 2000000" "$JOBS" "submit(uint64,uint8,bytes,uint64)" 1 1 "$SPEC" 2000001
expect_revert $K_BANK "ExactAnswerRefused(bytes32)" "$DS" "$JOBS" "submit(uint64,uint8,bytes,uint64)" 1 1 "$SPEC" 0
expect_revert $K_BANK "UnknownLicense(uint64)" "7" "$JOBS" "submit(uint64,uint8,bytes,uint64)" 7 1 "$SPEC" 500000
send $K_BANK "$JOBS" "submit(uint64,uint8,bytes,uint64)" 1 1 "$SPEC" 500000
expect_eq "jobCount" "$(call "$JOBS" "jobCount()(uint64)")" "2"
expect_eq "datasetEpsilonSpent(ds)" "$(call "$LIC" "datasetEpsilonSpent(bytes32)(uint64)" "$DS" | sed 's/ \[.*\]//')" "500000"
LICENSE=$(call "$LIC" "license(uint64)((uint64,uint64,bytes32,address,uint32,uint32,uint32,uint64,uint64,uint64,bool,uint64))" 1)
expect_eq "license(1) quotaRemaining,epsilonRemaining" "$(tr -d '()' <<<"$LICENSE" | tr -d ' ' | cut -d, -f7,10 | sed 's/\[[^]]*\]//g')" "1,1500000"
JOB=$(call "$JOBS" "job(uint64)((uint64,uint64,bytes32,address,uint8,bytes32,uint64,uint64,uint8,bytes32,uint64,uint64))" 2)
expect_eq "job(2).specHash" "$(tr -d '()' <<<"$JOB" | tr -d ' ' | cut -d, -f6)" "$("$BIN/cast" keccak "$SPEC")"

RESULT=$("$BIN/cast" keccak "result-bytes-of-job-2")
DIGEST=$(call "$JOBS" "resultDigest(uint64,bytes32)(bytes32)" 2 "$RESULT")
CHAIN=$("$BIN/cast" chain-id --rpc-url "$RPC")
expect_eq "resultDigest matches keccak(abi.encode(jobs, chainid, id, hash))" "$DIGEST" \
  "$("$BIN/cast" keccak "$("$BIN/cast" abi-encode "f(address,uint256,uint64,bytes32)" "$JOBS" "$CHAIN" 2 "$RESULT")")"
SIG=$("$BIN/cast" wallet sign --private-key $K_SIGNER "$DIGEST")
FORGED=$("$BIN/cast" wallet sign --private-key $K_OTHER "$DIGEST")
expect_revert $K_BANK "NotDatasetNode(uint64,address)" "2 $BANK" "$JOBS" "complete(uint64,bytes32,bytes)" 2 "$RESULT" "$SIG"
expect_revert $K_NODE "BadResultSignature(uint64,address,address)" "2 $OTHER $SIGNER" "$JOBS" "complete(uint64,bytes32,bytes)" 2 "$RESULT" "$FORGED"
expect_revert $K_NODE "InvalidSignature()" "" "$JOBS" "complete(uint64,bytes32,bytes)" 2 "$RESULT" "${SIG:0:130}"
expect_revert $K_NODE "UnknownJob(uint64)" "5" "$JOBS" "complete(uint64,bytes32,bytes)" 5 "$RESULT" "$SIG"
send $K_NODE "$JOBS" "complete(uint64,bytes32,bytes)" 2 "$RESULT" "$SIG"
expect_revert $K_NODE "JobNotPending(uint64,uint8)" "2 2" "$JOBS" "complete(uint64,bytes32,bytes)" 2 "$RESULT" "$SIG"
expect_revert $K_NODE "JobNotPending(uint64,uint8)" "2 2" "$JOBS" "fail(uint64,string)" 2 "again"
expect_revert $K_NODE "JobNotPending(uint64,uint8)" "2 2" "$JOBS" "failCharged(uint64,string)" 2 "again"
BATCH="completeBatch(uint64[],bytes32[],bytes[])"
expect_revert $K_NODE "BatchSizeInvalid(uint256,uint256)" "0 256" "$JOBS" "$BATCH" "[]" "[]" "[]"
expect_revert $K_NODE "BatchLengthMismatch(uint256,uint256,uint256)" "1 0 0" "$JOBS" "$BATCH" "[2]" "[]" "[]"
expect_revert $K_NODE "BatchItemRefused(uint256,uint64,bytes)" "0 2 $("$BIN/cast" calldata "JobNotPending(uint64,uint8)" 2 2)" "$JOBS" "$BATCH" "[2]" "[$RESULT]" "[$SIG]"

expect_revert $K_BANK "ZeroSpecHash()" "" "$JOBS" "submitHashed(uint64,uint8,bytes32,uint64,uint64)" 1 1 "0x$(printf '0%.0s' {1..64})" 1048576 100000
send $K_BANK "$JOBS" "submitHashed(uint64,uint8,bytes32,uint64,uint64)" 1 1 "$("$BIN/cast" keccak big-he-payload)" 1048576 100000
expect_revert $K_BANK "QuotaExhausted(uint64)" "1" "$JOBS" "submit(uint64,uint8,bytes,uint64)" 1 1 "$SPEC" 0
expect_eq "isValid(1) with no quota" "$(call "$LIC" "isValid(uint64)(bool)" 1)" "false"
send $K_NODE "$JOBS" "fail(uint64,string)" 3 "ciphertext did not decode"
expect_eq "job(3).status" "$(call "$JOBS" "job(uint64)((uint64,uint64,bytes32,address,uint8,bytes32,uint64,uint64,uint8,bytes32,uint64,uint64,uint64))" 3 | tr -d '() ' | cut -d, -f9)" "3"
expect_eq "isValid(1) once the failed job's quota is refunded" "$(call "$LIC" "isValid(uint64)(bool)" 1)" "true"

echo "consent"
PURPOSE="SME credit scoring"
PH=$("$BIN/cast" keccak "$PURPOSE")
GIVE="give(address,bytes32,string,uint64)"
WITHDRAW="withdraw(address,bytes32,string)"
HAS="hasConsent(string,address,bytes32,bytes32)(bool)"
COLSOF="consentedColumns(string,address,bytes32,bytes32)(uint64)"
KEY=$(call "$CONS" "consentKey(string,address,bytes32,bytes32)(bytes32)" "$USCC_OTHER" "$BANK" "$DS" "$PH")
expect_eq "consentKey = keccak(abi.encode(keccak(code), licensee, dataset, purposeHash))" "$KEY" \
  "$("$BIN/cast" keccak "$("$BIN/cast" abi-encode "f(bytes32,address,bytes32,bytes32)" "$("$BIN/cast" keccak "$USCC_OTHER")" "$BANK" "$DS" "$PH")")"
expect_revert $K_OPER "NotASubject(address)" "$OPER" "$CONS" "$GIVE" "$BANK" "$DS" "$PURPOSE" 4
expect_revert $K_OTHER "SelfConsent()" "" "$CONS" "$GIVE" "$OTHER" "$DS" "$PURPOSE" 4
expect_revert $K_OTHER "WrongRole(address,uint8,uint8)" "$OPER 2 1" "$CONS" "$GIVE" "$OPER" "$DS" "$PURPOSE" 4
expect_revert $K_OTHER "EmptyPurpose()" "" "$CONS" "$GIVE" "$BANK" "$DS" "" 4
expect_revert $K_OTHER "NoConsent(bytes32)" "$KEY" "$CONS" "$WITHDRAW" "$BANK" "$DS" "$PURPOSE"
expect_revert $K_OTHER "NoColumns()" "" "$CONS" "$GIVE" "$BANK" "$DS" "$PURPOSE" 0
expect_revert $K_OTHER "UnknownColumns(uint64,uint256)" "16 4" "$CONS" "$GIVE" "$BANK" "$DS" "$PURPOSE" 16
# columns 4 = bit 2 = revenue
send $K_OTHER "$CONS" "$GIVE" "$BANK" "$DS" "$PURPOSE" 4
expect_eq "hasConsent(other → bank) after give" "$(call "$CONS" "$HAS" "$USCC_OTHER" "$BANK" "$DS" "$PH")" "true"
expect_eq "consentedColumns(other → bank)" "$(call "$CONS" "$COLSOF" "$USCC_OTHER" "$BANK" "$DS" "$PH")" "4"
expect_revert $K_OTHER "ConsentAlreadyGiven(bytes32)" "$KEY" "$CONS" "$GIVE" "$BANK" "$DS" "$PURPOSE" 4
send $K_AUTH "$PARTS" "suspend(address,string)" "$OTHER" "audit finding"
expect_eq "hasConsent while the subject is suspended" "$(call "$CONS" "$HAS" "$USCC_OTHER" "$BANK" "$DS" "$PH")" "false"
send $K_AUTH "$PARTS" "reinstate(address)" "$OTHER"
send $K_OTHER "$CONS" "$WITHDRAW" "$BANK" "$DS" "$PURPOSE"
expect_eq "hasConsent after withdraw" "$(call "$CONS" "$HAS" "$USCC_OTHER" "$BANK" "$DS" "$PH")" "false"
expect_eq "consentedColumns after withdraw" "$(call "$CONS" "$COLSOF" "$USCC_OTHER" "$BANK" "$DS" "$PH")" "0"

echo "suspension, revocation, expiry"
send $K_BANK "$LIC" "request(bytes32,string)" "$DS" "second scenario"
NOW=$("$BIN/cast" block latest --rpc-url "$RPC" -f timestamp)
send $K_OPER "$LIC" "grant(uint64,uint32,uint32,uint64,uint64)" 2 2 5 "$((NOW + 3600))" 9000000
send $K_AUTH "$PARTS" "suspend(address,string)" "$BANK" "audit finding"
expect_revert $K_BANK "ParticipantSuspended(address)" "$BANK" "$JOBS" "submit(uint64,uint8,bytes,uint64)" 2 1 "$SPEC" 0
expect_eq "isValid(2) while licensee suspended" "$(call "$LIC" "isValid(uint64)(bool)" 2)" "false"
expect_revert $K_AUTH "AlreadySuspended(address)" "$BANK" "$PARTS" "suspend(address,string)" "$BANK" "again"
send $K_AUTH "$PARTS" "reinstate(address)" "$BANK"
send $K_BANK "$JOBS" "submit(uint64,uint8,bytes,uint64)" 2 1 "$SPEC" 100000
JOBTUPLE="job(uint64)((uint64,uint64,bytes32,address,uint8,bytes32,uint64,uint64,uint8,bytes32,uint64,uint64,uint64))"
# job 5 is refused after the node read rows: failed charged, nothing refunded, and no later cancel refunds it
send $K_BANK "$JOBS" "submit(uint64,uint8,bytes,uint64)" 2 1 "$SPEC" 200000
expect_revert $K_BANK "NotDatasetNode(uint64,address)" "5 $BANK" "$JOBS" "failCharged(uint64,string)" 5 "x"
send $K_NODE "$JOBS" "failCharged(uint64,string)" 5 "ERROR_REASON_HE_MODULUS_TOO_SMALL at keys.parameters"
expect_eq "job(5).status after failCharged" "$(call "$JOBS" "$JOBTUPLE" 5 | tr -d '() ' | cut -d, -f9)" "3"
LICENSE2=$(call "$LIC" "license(uint64)((uint64,uint64,bytes32,address,uint32,uint32,uint32,uint64,uint64,uint64,bool,uint64))" 2)
expect_eq "license(2) quotaRemaining,epsilonRemaining after a charged failure" "$(tr -d '()' <<<"$LICENSE2" | tr -d ' ' | cut -d, -f7,10 | sed 's/\[[^]]*\]//g')" "3,8700000"
SUBAT=$(call "$JOBS" "$JOBTUPLE" 4 | sed 's/\[[^]]*\]//g' | tr -d '() ' | cut -d, -f13)
expect_revert $K_BANK "NotPastDeadline(uint64,uint64)" "4 $((SUBAT + 3600))" "$JOBS" "cancel(uint64)" 4
expect_revert $K_OTHER "NotSubmitter(uint64,address)" "4 $OTHER" "$JOBS" "cancel(uint64)" 4
# the failed job 3 gave its ε 0.1 back to the dataset's tally; the charged job 5 kept its ε 0.2
expect_revert $K_BANK "DatasetCapExceeded(bytes32,uint64,uint64)" "$DS 4500000 4200000" "$JOBS" "submit(uint64,uint8,bytes,uint64)" 2 1 "$SPEC" 4500000
"$BIN/cast" rpc --rpc-url "$RPC" evm_increaseTime 3601 >/dev/null
"$BIN/cast" rpc --rpc-url "$RPC" evm_mine >/dev/null
send $K_BANK "$JOBS" "cancel(uint64)" 4
expect_eq "job(4).status after cancel past the deadline" "$(call "$JOBS" "$JOBTUPLE" 4 | tr -d '() ' | cut -d, -f9)" "4"
expect_revert $K_BANK "JobNotPending(uint64,uint8)" "4 4" "$JOBS" "cancel(uint64)" 4
expect_revert $K_BANK "JobNotPending(uint64,uint8)" "5 3" "$JOBS" "cancel(uint64)" 5
expect_revert $K_BANK "LicenseExpired(uint64,uint64)" "2 $((NOW + 3600))" "$JOBS" "submit(uint64,uint8,bytes,uint64)" 2 1 "$SPEC" 0
expect_revert $K_BANK "NotJobsContract(address)" "$BANK" "$LIC" "consume(uint64,address,uint8,uint64)" 2 "$BANK" 1 0
expect_revert $K_BANK "NotJobsContract(address)" "$BANK" "$LIC" "refund(uint64,uint64,uint64)" 2 1 0
send $K_AUTH "$LIC" "revoke(uint64,string)" 2 "authority order"
expect_revert $K_BANK "LicenseRevoked(uint64)" "2" "$JOBS" "submit(uint64,uint8,bytes,uint64)" 2 1 "$SPEC" 0
expect_revert $K_OPER "LicenseAlreadyRevoked(uint64)" "2" "$LIC" "revoke(uint64,string)" 2 "again"
send $K_OPER "$CAT" "retire(bytes32)" "$DS"
expect_revert $K_BANK "DatasetRetired(bytes32)" "$DS" "$LIC" "request(bytes32,string)" "$DS" "third"

echo "enclaves and joins"
K_ENC=0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e
K_PLAT=0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356
ENC=$(addr $K_ENC); PLAT=$(addr $K_PLAT)
MEAS=$("$BIN/cast" keccak "DataTrust.EnclaveSim smoke build")
expect_revert $K_OPER "NotAuthority(address)" "$OPER" "$ENCL" "approveMeasurement(bytes32,string)" "$MEAS" "x"
send $K_AUTH "$ENCL" "approveMeasurement(bytes32,string)" "$MEAS" "enclave-sim smoke build"
send $K_AUTH "$ENCL" "approvePlatformKey(address,string)" "$PLAT" "simulated platform"
expect_revert $K_AUTH "MeasurementAlreadyApproved(bytes32)" "$MEAS" "$ENCL" "approveMeasurement(bytes32,string)" "$MEAS" "again"
PUB=$("$BIN/cast" wallet public-key --private-key $K_ENC)
PUB2=$("$BIN/cast" wallet public-key --private-key $K_SIGNER)
RD=$("$BIN/cast" keccak "$PUB")
NONCE=$("$BIN/cast" keccak "smoke nonce 1")
NOW=$("$BIN/cast" block latest --rpc-url "$RPC" -f timestamp)
QDIG=$(call "$ENCL" "quoteDigest(bytes32,bytes32,uint64,bytes32)(bytes32)" "$MEAS" "$RD" "$NOW" "$NONCE")
expect_eq "quoteDigest matches keccak(abi.encode(tag, chainid, enclaves, m, reportData, issuedAt, nonce))" "$QDIG" \
  "$("$BIN/cast" keccak "$("$BIN/cast" abi-encode "f(bytes32,uint256,address,bytes32,bytes32,uint64,bytes32)" "$("$BIN/cast" keccak DataTrust.SimulatedQuote.v1)" "$CHAIN" "$ENCL" "$MEAS" "$RD" "$NOW" "$NONCE")")"
PSIG=$("$BIN/cast" wallet sign --private-key $K_PLAT "$QDIG")
RQ="recordQuote(bytes32,bytes32,bytes,uint64,bytes32,bytes,string)"
expect_revert $K_OTHER "KeyBindingBroken(bytes32,bytes32)" "$RD $("$BIN/cast" keccak "$PUB2")" "$ENCL" "$RQ" "$MEAS" "$RD" "$PUB2" "$NOW" "$NONCE" "$PSIG" "http://127.0.0.1:7100"
expect_revert $K_OTHER "PlatformKeyNotApproved(address)" "$SIGNER" "$ENCL" "$RQ" "$MEAS" "$RD" "$PUB" "$NOW" "$NONCE" "$("$BIN/cast" wallet sign --private-key $K_SIGNER "$QDIG")" "http://127.0.0.1:7100"
send $K_OTHER "$ENCL" "$RQ" "$MEAS" "$RD" "$PUB" "$NOW" "$NONCE" "$PSIG" "http://127.0.0.1:7100"
expect_revert $K_BANK "QuoteReplayed(bytes32,uint64)" "$QDIG 1" "$ENCL" "$RQ" "$MEAS" "$RD" "$PUB" "$NOW" "$NONCE" "$PSIG" "http://127.0.0.1:7101"
expect_eq "isUsable(1)" "$(call "$ENCL" "isUsable(uint64)(bool)" 1)" "true"
expect_eq "quoteTerms(1) enclave" "$(call "$ENCL" "quoteTerms(uint64)(uint8,bytes32,address,uint64)" 1 | sed -n 3p)" "$ENC"
JCOLS="[(uscc,3,8,0,0,[],0,\"\"),(district,3,1,0,0,[east,west],0,\"\"),(tax_paid,2,2,0,1000000,[],0,\"\")]"
DSJ1=$("$BIN/cast" keccak "tax.join"); DSJ2=$("$BIN/cast" keccak "social.join")
# allowedKinds 34 = AGGREGATE (1<<1) | ENCLAVE_JOIN (1<<5)
send $K_OPER "$CAT" "$PUBSIG" "($DSJ1,Tax join,$NODE,$SCHEMA,1000,$SNAP,2,10000000,10,1,85,34,$JCOLS)"
send $K_OPER "$CAT" "$PUBSIG" "($DSJ2,Social join,$NODE,$SCHEMA,1000,$SNAP,2,10000000,10,1,85,2,$JCOLS)"
send $K_BANK "$LIC" "request(bytes32,string)" "$DSJ1" "tax paid by district"
send $K_BANK "$LIC" "request(bytes32,string)" "$DSJ2" "tax paid by district"
NOW=$("$BIN/cast" block latest --rpc-url "$RPC" -f timestamp)
send $K_OPER "$LIC" "grant(uint64,uint32,uint32,uint64,uint64)" 3 32 3 "$((NOW + 86400))" 2000000
send $K_OPER "$LIC" "grant(uint64,uint32,uint32,uint64,uint64)" 4 2 3 "$((NOW + 86400))" 2000000
SJ="submitJoin(uint64[],bytes32,bytes,uint64)"
JSPEC=0x$(echo -n 'join tax.uscc = social.uscc group by district' | xxd -p | tr -d '\n')
expect_revert $K_BANK "JoinNeedsEpsilon()" "" "$JOBS" "$SJ" "[3,4]" "$MEAS" "$JSPEC" 0
expect_revert $K_BANK "JoinSizeInvalid(uint256,uint256,uint256)" "1 2 8" "$JOBS" "$SJ" "[3]" "$MEAS" "$JSPEC" 500000
expect_revert $K_BANK "DuplicateJoinDataset(bytes32)" "$DSJ1" "$JOBS" "$SJ" "[3,3]" "$MEAS" "$JSPEC" 500000
expect_revert $K_BANK "JoinNotAllowed(bytes32)" "$DSJ2" "$JOBS" "$SJ" "[3,4]" "$MEAS" "$JSPEC" 500000
# the market register is OPEN (grade 1, ε cap 0): a join charges its license quota but no ε
DSJ3=$("$BIN/cast" keccak "market.join"); DSJ4=$("$BIN/cast" keccak "gazette.join")
send $K_OPER "$CAT" "$PUBSIG" "($DSJ3,Market join,$NODE,$SCHEMA,1000,$SNAP,1,0,10,1,85,34,$JCOLS)"
send $K_OPER "$CAT" "$PUBSIG" "($DSJ4,Gazette join,$NODE,$SCHEMA,1000,$SNAP,1,0,10,1,85,34,$JCOLS)"
send $K_BANK "$LIC" "request(bytes32,string)" "$DSJ3" "tax paid by district"
send $K_BANK "$LIC" "request(bytes32,string)" "$DSJ4" "tax paid by district"
send $K_OPER "$LIC" "grant(uint64,uint32,uint32,uint64,uint64)" 5 32 3 "$((NOW + 86400))" 2000000
send $K_OPER "$LIC" "grant(uint64,uint32,uint32,uint64,uint64)" 6 32 3 "$((NOW + 86400))" 0
expect_revert $K_BANK "JoinNeedsProtectedDataset()" "" "$JOBS" "$SJ" "[5,6]" "$MEAS" "$JSPEC" 500000
send $K_BANK "$JOBS" "$SJ" "[3,5]" "$MEAS" "$JSPEC" 500000
JID=$(call "$JOBS" "jobCount()(uint64)")
JOIN=$(call "$JOBS" "joinOf(uint64)(bytes32,uint64[],bytes32[],uint64[])" "$JID")
expect_eq "joinOf($JID) licenses" "$(echo "$JOIN" | sed -n 2p)" "[3, 5]"
expect_eq "joinOf($JID) ε charged per license (none on the OPEN register)" "$(echo "$JOIN" | sed -n 4p)" "[500000 [5e5], 0]"
LTUPLE="license(uint64)((uint64,uint64,bytes32,address,uint32,uint32,uint32,uint64,uint64,uint64,bool,uint64))"
expect_eq "OPEN license 5 keeps its ε, spends quota" "$(call "$LIC" "$LTUPLE" 5 | tr -d '() ' | cut -d, -f7,10)" "2,2000000[2e6]"
expect_eq "datasetEpsilonSpent(market)" "$(call "$LIC" "datasetEpsilonSpent(bytes32)(uint64)" "$DSJ3")" "0"
RESULT=$("$BIN/cast" keccak "join result")
RDIG=$(call "$JOBS" "resultDigest(uint64,bytes32)(bytes32)" "$JID" "$RESULT")
ESIG=$("$BIN/cast" wallet sign --private-key $K_ENC "$RDIG")
expect_revert $K_OTHER "BadResultSignature(uint64,address,address)" "$JID $SIGNER $ENC" "$JOBS" "completeJoin(uint64,uint64,bytes32,bytes)" "$JID" 1 "$RESULT" "$("$BIN/cast" wallet sign --private-key $K_SIGNER "$RDIG")"
expect_revert $K_NODE "JoinNeedsEnclave(uint64)" "$JID" "$JOBS" "complete(uint64,bytes32,bytes)" "$JID" "$RESULT" "$SIG"
send $K_OTHER "$JOBS" "completeJoin(uint64,uint64,bytes32,bytes)" "$JID" 1 "$RESULT" "$ESIG"
expect_eq "job($JID).status after completeJoin" "$(call "$JOBS" "$JOBTUPLE" "$JID" | tr -d '() ' | cut -d, -f9)" "2"
expect_revert $K_OTHER "JobNotPending(uint64,uint8)" "$JID 2" "$JOBS" "completeJoin(uint64,uint64,bytes32,bytes)" "$JID" 1 "$RESULT" "$ESIG"
send $K_AUTH "$ENCL" "revokeMeasurement(bytes32)" "$MEAS"
expect_eq "quoteStatus(1) after the measurement is revoked" "$(call "$ENCL" "quoteStatus(uint64)(uint8)" 1)" "3"

echo "smoke: $PASS checks passed"
