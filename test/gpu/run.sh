#!/usr/bin/env bash
# The GPU check (issue 16, part 7), on a lent GPU machine after `npx tsx test/gpu/assembleCarry.ts`
# here and `carry: [".device-carry"]` there; also runs on a CPU machine, where the engine falls
# back to the CPU and says why. It prints the machine's GPU, onnxruntime's providers, then the
# latency table (test/bench/latency.ts) for a model loaded with a draft, on the GPU if one works.
# Sizes, draft and runs: GPU_CHECK_SIZES, GPU_CHECK_DRAFT, GPU_CHECK_RUNS. Budget: 5 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
PAYLOAD=.device-carry/payload.tar.xz
[ -f "$PAYLOAD" ] || { echo "gpu check: $PAYLOAD is missing: run 'npx tsx test/gpu/assembleCarry.ts' and carry .device-carry" >&2; exit 2; }
WORK=${GPU_CHECK_DIR:-/tmp/slm-gpu-check}
rm -rf "$WORK" && mkdir -p "$WORK"
tar -xJf "$PAYLOAD" -C "$WORK"

if command -v nvidia-smi >/dev/null; then
  nvidia-smi -L || true
  # WebGPU (Dawn) runs on Vulkan: the loader from the payload, the driver's ICD from its mount.
  if ! ldconfig -p | grep -q 'libvulkan.so.1'; then
    for f in "$WORK"/debs/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
    ldconfig
  fi
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$icd" ] && export VK_DRIVER_FILES=$icd
else
  echo "gpu check: no nvidia-smi here: no NVIDIA GPU; the engine will fall back to the CPU"
fi

NODE=node
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then NODE="$WORK/node/bin/node"; fi
echo "node $("$NODE" --version); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
(cd "$WORK" && "$NODE" -e '
  const ort = require("onnxruntime-node");
  const listed = ort.listSupportedBackends().map((b) => `${b.name}${b.bundled ? "" : " (not bundled)"}`);
  console.log(`onnxruntime-node ${require("onnxruntime-node/package.json").version} backends: ${listed.join(", ")}`);
  console.log("cuda: not carried (onnxruntime'"'"'s CUDA provider is a ~400 MB download built for CUDA 12 + cuDNN 9, over the 64 MiB carry)");
')
timeout 290 "$NODE" "$WORK/test/bench/latency.js" --device auto --engines onnx \
  --sizes "${GPU_CHECK_SIZES:-qwen2.5-coder-1.5b}" --draft "${GPU_CHECK_DRAFT:-qwen2.5-coder-0.5b}" --runs "${GPU_CHECK_RUNS:-2}" --rounds 1
