#!/usr/bin/env bash
# The side-by-side benchmark of issue 14: our cmdlets in ONE pwsh session against rclone and aws-cli, on the same
# data and the same emulators. One command from a fresh clone:
#
#   bash tests/CloudStorage.Benchmarks/bench.sh                 # the full table (about 20-30 minutes on 2 cores)
#   bash tests/CloudStorage.Benchmarks/bench.sh -Quick          # small sizes and counts, one repetition
#   bash tests/CloudStorage.Benchmarks/bench.sh -Repetitions 5 -Workloads sync-s3,list-s3
#
# Every argument goes to CmdletBench.ps1 (see its param block: -Repetitions, -SmallCount, -SmallKiB, -ListCount,
# -LargeMiB, -RssMiB, -Workloads, -Peers, -Output). The script:
#   1. installs the peers from Debian when missing (apt-get install -y rclone awscli; /usr/bin/aws is used, never a
#      pyenv shim, and AWS_CA_BUNDLE is unset for the peers),
#   2. restores the pinned pwsh (dotnet tool restore) and builds the module (Release),
#   3. starts the S3, Azure and GCS emulators on free ports with a private state directory,
#   4. runs CmdletBench.ps1 in one `dotnet pwsh` session: it prepares the data, imports the module once, runs every
#      workload through our cmdlets inside the session and the peers as child processes, alternately, and prints
#      the table (Markdown) and writes it with the raw figures (JSON) beside the data,
#   5. stops the emulators it started and removes the data (BENCH_KEEP=1 keeps it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/cloudstorage-bench.XXXXXX")}"
mkdir -p "$work"

if ! command -v rclone >/dev/null 2>&1 || [ ! -x /usr/bin/aws ]; then
  echo "bench: installing the peers (rclone, awscli) from Debian" >&2
  if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" install -y rclone awscli >/dev/null 2>&1 \
    || { "${apt_get[@]}" update >/dev/null 2>&1 && "${apt_get[@]}" install -y rclone awscli >/dev/null; } \
    || echo "bench: the peers could not be installed; they are reported as not measured" >&2
fi

cd "$repo"
dotnet tool restore >/dev/null
dotnet build src/CloudStorage.PowerShell/CloudStorage.PowerShell.csproj -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
module="$repo/artifacts/module/Release/CloudStorage/CloudStorage.psd1"
[ -f "$module" ] || { echo "bench: the module was not built at $module" >&2; exit 1; }

export EMULATOR_STATE_DIR="$work/emulators"
export S3_EMULATOR_PORT=0 AZURITE_BLOB_PORT=0 GCS_EMULATOR_PORT=0
emulators="$repo/tests/emulators/emulators.sh"
cleanup() {
  bash "$emulators" stop >/dev/null 2>&1 || true
  if [ "${BENCH_KEEP:-0}" != 1 ] && [ -z "${BENCH_DIR:-}" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
bash "$emulators" start
eval "$(bash "$emulators" env)"
unset AWS_CA_BUNDLE

dotnet pwsh -NoProfile -NonInteractive -File "$here/CmdletBench.ps1" -Module "$module" -WorkDir "$work" "$@"
