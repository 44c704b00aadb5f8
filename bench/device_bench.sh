#!/bin/sh
# Runs the exported nn graphs (Python onnxruntime, same ORT version as onnxruntime-node) and torch_llama.py
# side by side, alternating, on a machine without Node. See bench/README.md ("Other machines").
# Usage: sh bench/device_bench.sh <export dir> <out .jsonl> "<thread counts>" "[sizes]" [rounds]
dir=$1; out=$2; threads=${3:-"16"}; sizes=${4:-"small big"}; rounds=${5:-2}
for th in $threads; do
  for size in $sizes; do
    if [ "$size" = small ]; then args="--d 256 --layers 4 --batch 4 --seq 64"; else args="--d 1024 --layers 12 --batch 1 --seq 64"; fi
    for mode in forward train; do
      r=0
      while [ $r -lt "$rounds" ]; do
        OMP_NUM_THREADS=$th python3 bench/ort_llama.py --dir "$dir" --size $size --mode $mode --threads $th --iters 7 >> "$out" || echo "ort $size $mode failed" >&2
        OMP_NUM_THREADS=$th python3 bench/torch_llama.py $args --threads $th --mode $mode --iters 7 >> "$out" || echo "torch $size $mode failed" >&2
        r=$((r + 1))
      done
    done
  done
done
