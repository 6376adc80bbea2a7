#!/usr/bin/env bash
# Check the project on a CUDA machine, then print one table:
#   1. make test (the suite runs on the CPU, as in CI);
#   2. every lab's smoke profile on the GPU (-p device cuda);
#   3. the training-throughput benchmark on the GPU;
#   4. the mnist full profile on the GPU, timed (report 001's 25 epochs; fetches the full MNIST once).
#
#   bash benchmarks/gpu_check.sh            # or: make gpu-check
#
# DEVICE=cpu runs steps 2-4 on the CPU instead, MNIST_FULL="-p num_epochs 1 ..." adds overrides to step 4,
# SKIP_TEST=1 leaves out step 1: for trying the script itself on a machine without a GPU.
# Everything it writes goes to build/gpu_check/.
set -uo pipefail
cd "$(dirname "$0")/.."

DEVICE=${DEVICE:-cuda}
PY=${PY:-.venv/bin/python}
OUT=build/gpu_check
mkdir -p "$OUT"
ROWS=()
FAILED=0

if ! "$PY" -c "import torch, sys; sys.exit(0 if '$DEVICE' != 'cuda' or torch.cuda.is_available() else 1)"; then
    echo "error: torch sees no CUDA device (torch.cuda.is_available() is False); run make venv on the GPU machine" >&2
    exit 2
fi
GPU=$("$PY" -c "import torch; print(torch.cuda.get_device_name(0) if '$DEVICE' == 'cuda' else 'cpu')")

# step NAME COMMAND...: run it, keep its output in $OUT/NAME.log, add a table row (result, seconds; the
# caller may append a note).
step() {
    local name=$1; shift
    local start=$SECONDS
    echo "== $name: $*"
    if "$@" > "$OUT/$name.log" 2>&1; then result=ok; else result=FAILED; FAILED=1; fi
    ROWS+=("$name|$result|$((SECONDS - start))|")
}

if [[ -z "${SKIP_TEST:-}" ]]; then
    step make-test make test
    ROWS[-1]="${ROWS[-1]}$(grep -Eo '[0-9]+ (passed|failed)[^=]*' "$OUT/make-test.log" | tail -1)"
fi

for lab in dcgan mnist cgan inversion cyclegan; do
    step "smoke-$lab" "$PY" -m ganlib run "$lab" --profile smoke -p device "$DEVICE" --out "$OUT/smoke-$lab"
done

step benchmark "$PY" benchmarks/train_throughput.py --device "$DEVICE"
ROWS[-1]="${ROWS[-1]}$(awk '/^[0-9]+x[0-9]+x/ {printf "%s%s %s img/s", sep, $1, $2; sep = ", "}' "$OUT/benchmark.log")"

# shellcheck disable=SC2086  # MNIST_FULL is a list of overrides
step mnist-full "$PY" -m ganlib run mnist --profile full -p device "$DEVICE" ${MNIST_FULL:-} --out "$OUT/mnist-full"

echo
echo "GAN Labs check on $GPU ($(date -u +%Y-%m-%d))"
printf '%-16s %-7s %8s  %s\n' step result seconds note
for row in "${ROWS[@]}"; do
    IFS='|' read -r name result seconds note <<< "$row"
    printf '%-16s %-7s %8s  %s\n' "$name" "$result" "$seconds" "$note"
done
echo "logs: $OUT/<step>.log"
exit $FAILED
