#!/usr/bin/env bash
# Deploys execution-role-check to every account of the given organizational units as a CloudFormation
# StackSet with service-managed permissions, one stack instance per account in ONE region: IAM is global,
# and AWS Config records it in one region, so a second region would only evaluate (and bill) twice.
#
# Run from the management account or a StackSets delegated administrator (--call-as DELEGATED_ADMIN), with
# trusted access for StackSets enabled in AWS Organizations. See docs/deploy.md.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: templates/deploy-stackset.sh --bucket BUCKET --region REGION --ou-ids OU[,OU...] [options]

  --bucket BUCKET        S3 bucket in REGION for the code bundles; its policy must let the organization read
                         them (s3:GetObject with condition aws:PrincipalOrgID, see docs/deploy.md)
  --region REGION        the one region where AWS Config records IAM resources in the member accounts
  --ou-ids OU,...        organizational units (or the root id r-...) to deploy to, on first creation
  --stack-set-name NAME  default: execution-role-check
  --call-as WHO          SELF (management account, default) or DELEGATED_ADMIN
  --parameter KEY=VALUE  a template parameter (repeatable), e.g. --parameter AutomaticRemediation=false
  --skip-build           use the bundles already in dist/ (default: npm run build first)
  -h, --help             this text

Environment: DIST_DIR (default dist) holds evaluate/evaluate.js and remediate/remediate.js, with their .map files
(what npm run build writes; each function's Handler is <module>.handler, as in template.yaml).
A first run creates the StackSet and its instances; a later run updates the StackSet, and with it every
instance, to the new code and parameters (parameters not given keep their previous values).
EOF
}

die() {
  echo "deploy-stackset: $*" >&2
  exit 2
}

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
template="$here/stackset.yaml"
dist="${DIST_DIR:-$root/dist}"

bucket='' region='' ou_ids='' name='execution-role-check' call_as='SELF' build=1
params=()
# The value after a flag, or a clear error naming the flag (a bare "shift 2" would exit 1 without a word).
value_of() {
  [[ $# -ge 2 && -n "$2" && "$2" != --* ]] || die "$1 needs a value"
  printf '%s' "$2"
}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bucket) bucket="$(value_of "$@")"; shift 2 ;;
    --region) region="$(value_of "$@")"; shift 2 ;;
    --ou-ids) ou_ids="$(value_of "$@")"; shift 2 ;;
    --stack-set-name) name="$(value_of "$@")"; shift 2 ;;
    --call-as) call_as="$(value_of "$@")"; shift 2 ;;
    --parameter) params+=("$(value_of "$@")"); shift 2 ;;
    --skip-build) build=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ -n "$bucket" ]] || die "--bucket is required"
[[ -n "$region" ]] || die "--region is required"
[[ "$call_as" == SELF || "$call_as" == DELEGATED_ADMIN ]] || die "--call-as must be SELF or DELEGATED_ADMIN"
# Every template parameter: given ones get their value, the rest keep the previous value on update.
template_params="$(awk '/^Parameters:/ {p=1; next} /^[^ #]/ {p=0} p && /^  [A-Za-z0-9]+:$/ {sub(/:$/, ""); print $1}' "$template")"
for p in "${params[@]}"; do
  [[ "$p" == *=* ]] || die "--parameter needs KEY=VALUE, got: $p"
  case "${p%%=*}" in
    CodeBucket | EvaluatorCodeKey | RemediationCodeKey) die "${p%%=*} is set by this script" ;;
  esac
  grep -qx "${p%%=*}" <<<"$template_params" || die "unknown template parameter: ${p%%=*}"
done
command -v aws >/dev/null || die "the AWS CLI (aws) is not on PATH"
# zip and sha256sum where they exist (Linux), their usual stand-ins elsewhere (macOS has shasum).
if command -v zip >/dev/null; then
  make_zip() { zip -q -X "$@"; }
elif command -v python3 >/dev/null; then
  make_zip() { python3 -m zipfile -c "$@"; }
else
  die "neither zip nor python3 is on PATH"
fi
if command -v sha256sum >/dev/null; then
  sha256() { sha256sum; }
else
  sha256() { shasum -a 256; }
fi

if [[ "$build" == 1 ]]; then
  (cd "$root" && npm run -s build)
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Upload one bundle under a key derived from its content, so a new build changes the key and CloudFormation
# updates the function's code; an unchanged build leaves the functions alone.
upload_bundle() {
  local entry="$1" dir="$dist/$1" digest key
  [[ -f "$dir/$entry.js" ]] || die "$dir/$entry.js not found: run npm run build (or drop --skip-build)"
  local files=("$entry.js")
  [[ -f "$dir/$entry.js.map" ]] && files+=("$entry.js.map")
  (cd "$dir" && make_zip "$work/$entry.zip" "${files[@]}")
  digest="$(cd "$dir" && cat "${files[@]}" | sha256 | cut -c1-16)"
  key="execution-role-check/$entry-$digest.zip"
  aws s3 cp "$work/$entry.zip" "s3://$bucket/$key" --region "$region" --only-show-errors >&2
  echo "$key"
}
evaluator_key="$(upload_bundle evaluate)"
remediation_key="$(upload_bundle remediate)"

params+=("CodeBucket=$bucket" "EvaluatorCodeKey=$evaluator_key" "RemediationCodeKey=$remediation_key")

parameters_json() { # $1: "create" or "update"
  TEMPLATE_PARAMS="$template_params" MODE="$1" node -e '
    const given = new Map(process.argv.slice(1).map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
    const known = process.env.TEMPLATE_PARAMS.split("\n").filter(Boolean);
    const out = known.flatMap((key) =>
      given.has(key) ? [{ ParameterKey: key, ParameterValue: given.get(key) }]
      : process.env.MODE === "update" ? [{ ParameterKey: key, UsePreviousValue: true }] : []);
    process.stdout.write(JSON.stringify(out));
  ' "${params[@]}"
}

cfn() { aws cloudformation "$@" --region "$region" --call-as "$call_as"; }

# StackSet operations run asynchronously: wait for each before starting the next.
wait_for() {
  local op="$1" status
  while :; do
    status="$(cfn describe-stack-set-operation --stack-set-name "$name" --operation-id "$op" \
      --query StackSetOperation.Status --output text)"
    case "$status" in
      SUCCEEDED) echo "deploy-stackset: operation $op succeeded" >&2; return 0 ;;
      FAILED | STOPPED)
        cfn list-stack-set-operation-results --stack-set-name "$name" --operation-id "$op" \
          --query 'Summaries[?Status!=`SUCCEEDED`].[Account,Region,StatusReason]' --output text >&2 || true
        die "operation $op ended $status" ;;
      *) sleep "${POLL_SECONDS:-15}" ;;
    esac
  done
}

# Tolerate no failed account, and deploy to a quarter of the accounts at a time.
preferences='FailureToleranceCount=0,MaxConcurrentPercentage=25,RegionConcurrencyType=SEQUENTIAL'

if cfn describe-stack-set --stack-set-name "$name" >/dev/null 2>&1; then
  parameters_json update >"$work/parameters.json"
  op="$(cfn update-stack-set --stack-set-name "$name" --template-body "file://$template" \
    --parameters "file://$work/parameters.json" --capabilities CAPABILITY_IAM \
    --operation-preferences "$preferences" --query OperationId --output text)"
  wait_for "$op"
else
  [[ -n "$ou_ids" ]] || die "--ou-ids is required to create the StackSet"
  parameters_json create >"$work/parameters.json"
  cfn create-stack-set --stack-set-name "$name" --template-body "file://$template" \
    --parameters "file://$work/parameters.json" --capabilities CAPABILITY_IAM \
    --permission-model SERVICE_MANAGED \
    --auto-deployment Enabled=true,RetainStacksOnAccountRemoval=false \
    --description 'execution-role-check: AWS Config rule for AWS Batch / ECS task execution roles' >/dev/null
  op="$(cfn create-stack-instances --stack-set-name "$name" \
    --deployment-targets "OrganizationalUnitIds=$ou_ids" --regions "$region" \
    --operation-preferences "$preferences" --query OperationId --output text)"
  wait_for "$op"
fi
