"""Roofline of this machine for Whisper on OpenVINO's CPU plugin (issue 12, item 6).

Measures the machine's peak matrix-multiply rate (an OpenVINO MatMul, f32 and the CPU's default
precision) and its memory bandwidth (a copy of a buffer far larger than the caches, on every core), then
the encoder's rate on one 30 s window and the bytes a decoder step must read, as shares of those limits.

    .cache/tools-venv/bin/python benchmarks/roofline.py [--model DIR] [--out FILE.json]

Prints a Markdown table; writes the figures as JSON. Run it on an otherwise idle machine.
"""

import argparse
import json
import os
import threading
import time

import numpy as np
import openvino as ov
from openvino import opset13 as ops

CORE = ov.Core()


def best_seconds(run, repeats):
    """The fastest of `repeats` runs after one warm-up: the machine's capability, not its noise."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def matmul_gflops(precision, size=2048):
    a = ops.parameter([size, size], ov.Type.f32)
    b = ops.constant(np.random.default_rng(0).standard_normal((size, size), dtype=np.float32))
    compiled = CORE.compile_model(ov.Model([ops.matmul(a, b, False, False)], [a]), "CPU", {"INFERENCE_PRECISION_HINT": precision})
    request = compiled.create_infer_request()
    x = np.random.default_rng(1).standard_normal((size, size), dtype=np.float32)
    seconds = best_seconds(lambda: request.infer({0: x}), 10)
    return 2 * size**3 / seconds / 1e9


def copy_gbytes_per_second(megabytes=512):
    """Read plus write bandwidth of a copy split over one thread per core (numpy releases the GIL)."""
    threads = os.cpu_count() or 1
    n = megabytes * 1024 * 1024 // 4 // threads
    sources = [np.ones(n, np.float32) for _ in range(threads)]
    targets = [np.empty(n, np.float32) for _ in range(threads)]

    def run():
        workers = [threading.Thread(target=np.copyto, args=(t, s)) for s, t in zip(sources, targets)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    seconds = best_seconds(run, 10)
    return 2 * n * 4 * threads / seconds / 1e9


def flops(model):
    """Multiply-adds of MatMul, Convolution and attention ops, times two, on a model of static shapes."""
    total = 0
    for op in model.get_ordered_ops():
        kind = op.get_type_name()
        if kind == "MatMul":
            a = list(op.get_input_shape(0))
            out = list(op.get_output_shape(0))
            k = a[-2] if op.get_attributes().get("transpose_a") else a[-1]
            total += 2 * int(np.prod(out)) * k
        elif kind == "Convolution":
            weights = list(op.get_input_shape(1))
            total += 2 * int(np.prod(list(op.get_output_shape(0)))) * int(np.prod(weights[1:]))
        elif kind == "ScaledDotProductAttention":
            q = list(op.get_input_shape(0))
            k = list(op.get_input_shape(1))
            total += 2 * 2 * int(np.prod(q[:-1])) * k[-2] * q[-1]
    return total


def encoder_rate(model_dir):
    model = CORE.read_model(os.path.join(model_dir, "openvino_encoder_model.xml"))
    model.reshape({model.inputs[0]: [1, 80, 3000]})
    work = flops(model)
    compiled = CORE.compile_model(model, "CPU")
    request = compiled.create_infer_request()
    x = np.random.default_rng(2).standard_normal((1, 80, 3000), dtype=np.float32) * 0.5
    seconds = best_seconds(lambda: request.infer({0: x}), 5)
    return {"gflop_per_window": work / 1e9, "seconds_per_window": seconds, "gflops": work / seconds / 1e9,
            "precision": compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name()}


def decoder_bytes(model_dir, precision_bytes):
    """Bytes one decoder step reads: every weight once per step, plus each row's cross-attention keys and values."""
    model = CORE.read_model(os.path.join(model_dir, "openvino_decoder_model.xml"))
    weights = sum(int(np.prod(list(op.get_output_shape(0)))) for op in model.get_ordered_ops()
                  if op.get_type_name() == "Constant" and len(op.get_output_shape(0)) >= 2)
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    cross = 2 * config["decoder_layers"] * config["max_source_positions"] * config["d_model"]
    return {"weight_bytes": weights * precision_bytes, "cross_kv_bytes_per_row": cross * precision_bytes}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=".cache/real-models/openai/whisper-base")
    parser.add_argument("--out", default="benchmarks/results/roofline.json")
    parser.add_argument("--step-ms", type=json.loads, default=None,
                        help='measured decoder step times by batch size, e.g. {"1": 6.2, "8": 13.0}')
    args = parser.parse_args()

    default_precision = CORE.get_property("CPU", "INFERENCE_PRECISION_HINT").get_type_name()
    figures = {
        "cpu": CORE.get_property("CPU", "FULL_DEVICE_NAME"),
        "cores": os.cpu_count(),
        "openvino": ov.get_version(),
        "matmul_gflops": {"f32": matmul_gflops("f32"), default_precision: matmul_gflops(default_precision)},
        "copy_gbytes_per_second": copy_gbytes_per_second(),
        "encoder": encoder_rate(args.model),
    }
    precision_bytes = 2 if figures["encoder"]["precision"] in ("bf16", "f16") else 4
    figures["decoder"] = decoder_bytes(args.model, precision_bytes)
    if args.step_ms:
        figures["decoder"]["step_ms"] = args.step_ms
    with open(args.out, "w") as f:
        json.dump(figures, f, indent=2)

    peak = figures["matmul_gflops"].get(figures["encoder"]["precision"], figures["matmul_gflops"]["f32"])
    bandwidth = figures["copy_gbytes_per_second"]
    enc = figures["encoder"]
    dec = figures["decoder"]
    print(f"| {figures['cpu']}, {figures['cores']} cores, OpenVINO {figures['openvino']} | measured | share of the limit |")
    print("| --- | --- | --- |")
    for precision, rate in figures["matmul_gflops"].items():
        print(f"| peak MatMul, {precision} (2048×2048) | {rate:.0f} GFLOP/s | |")
    print(f"| memory bandwidth (copy, read + write) | {bandwidth:.1f} GB/s | |")
    print(f"| encoder, one 30 s window ({enc['gflop_per_window']:.1f} GFLOP, {enc['precision']}) | "
          f"{enc['seconds_per_window'] * 1000:.0f} ms, {enc['gflops']:.0f} GFLOP/s | {100 * enc['gflops'] / peak:.0f}% of peak MatMul |")
    for rows, ms in (dec.get("step_ms") or {}).items():
        needed = dec["weight_bytes"] + int(rows) * dec["cross_kv_bytes_per_row"]
        rate = needed / (ms / 1000) / 1e9
        print(f"| decoder step, {rows} row(s): reads {needed / 1e6:.0f} MB (weights {dec['weight_bytes'] / 1e6:.0f} MB + "
              f"{dec['cross_kv_bytes_per_row'] / 1e6:.1f} MB cross K/V per row) | {ms} ms, {rate:.1f} GB/s | {100 * rate / bandwidth:.0f}% of bandwidth |")


if __name__ == "__main__":
    main()
