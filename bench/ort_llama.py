"""Runs the nn-emitted benchmark graphs (bench/export_models.ts) with Python onnxruntime, for machines
without Node. Mirrors bench/nn_llama.ts: forward with weights as initializers; train step with params and
AdamW state kept in OrtValues that swap roles each step (outputs written into preallocated buffers, as
TrainStepRunner does). Prints one JSON line. Benchmark-only.
"""
import argparse
import json
import resource
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--size", required=True)
    ap.add_argument("--mode", choices=["forward", "train"], required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="print ORT kernel time per op type to stderr")
    ap.add_argument("--no-arena", action="store_true", help="disable ORT's CPU memory arena (lower peak RSS)")
    a = ap.parse_args()
    man = json.load(open(f"{a.dir}/{a.size}.json"))
    size = man["size"]
    rng = np.random.default_rng(0)
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.enable_cpu_mem_arena = not a.no_arena
    if a.profile:
        so.enable_profiling = True
    B, T, V = size["batch"], size["seq"], size["vocab"]
    ids = rng.integers(0, V, size=(B, T), dtype=np.int64)
    t0 = time.perf_counter()
    if a.mode == "forward":
        model = onnx.load(f"{a.dir}/{a.size}-forward.onnx")
        keep = []
        for inp in model.graph.input:
            if inp.name == "ids":
                keep.append(inp)
                continue
            shape = [d.dim_value for d in inp.type.tensor_type.shape.dim]
            w = (rng.standard_normal(shape) * 0.02).astype(np.float32)
            model.graph.initializer.append(numpy_helper.from_array(w, inp.name))
        del model.graph.input[:]
        model.graph.input.extend(keep)
        sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
        build_ms = (time.perf_counter() - t0) * 1000

        def step():
            sess.run(None, {"ids": ids})
    else:
        sess = ort.InferenceSession(f"{a.dir}/{a.size}-train.onnx", so, providers=["CPUExecutionProvider"])
        n = man["names"]
        shapes = {p["name"]: p["shape"] for p in man["params"]}
        # flat buffers per state group, two of each (ping-pong); the flat params are fed as views, and whole
        # where the graph reads them whole (groups of several weights)
        inputs = {i.name for i in sess.get_inputs()}
        bufs = [{}, {}]
        for sg in man["stateGroups"]:
            for b in bufs:
                for key in ("params", "m", "v"):
                    b[sg[key]] = np.zeros(sg["size"], np.float32)
            bufs[0][sg["params"]][:] = (rng.standard_normal(sg["size"]) * 0.02).astype(np.float32)
        for b in bufs:
            b[n["step"]] = np.zeros((), np.float32)

        def ortvalues(b):
            vals = {k: ort.OrtValue.ortvalue_from_numpy(v) for k, v in b.items()}
            views = {}
            for sg in man["stateGroups"]:
                for mem in sg["members"]:
                    view = b[sg["params"]][mem["offset"]: mem["offset"] + mem["length"]].reshape(shapes[mem["name"]])
                    views[mem["name"]] = ort.OrtValue.ortvalue_from_numpy(view)
            return vals, views

        sets = [ortvalues(b) for b in bufs]
        fixed = {
            "ids": ort.OrtValue.ortvalue_from_numpy(ids),
            "targets": ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(ids[:, 1:])),
            n["lr"]: ort.OrtValue.ortvalue_from_numpy(np.array(1e-4, np.float32)),
            n["lossScale"]: ort.OrtValue.ortvalue_from_numpy(np.array(1.0, np.float32)),
        }
        build_ms = (time.perf_counter() - t0) * 1000
        state = {"cur": 0}
        reports = {n["loss"]: np.zeros((), np.float32), n["gradNorm"]: np.zeros((), np.float32), n["finite"]: np.zeros((), np.bool_)}
        report_values = {k: ort.OrtValue.ortvalue_from_numpy(v) for k, v in reports.items()}

        def step():
            (cur_vals, cur_views), (spare_vals, _) = sets[state["cur"]], sets[1 - state["cur"]]
            io = sess.io_binding()
            for k, v in fixed.items():
                io.bind_ortvalue_input(k, v)
            for k, v in cur_views.items():
                io.bind_ortvalue_input(k, v)
            for k, v in cur_vals.items():
                if k in inputs:
                    io.bind_ortvalue_input(k, v)
                io.bind_ortvalue_output(n["next"].replace("{}", k), spare_vals[k])
            for k, v in report_values.items():
                io.bind_ortvalue_output(k, v)
            sess.run_with_iobinding(io)
            if bool(reports[n["finite"]]):
                state["cur"] = 1 - state["cur"]
    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.iters):
        t1 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t1) * 1000)
    if a.profile:
        import sys
        from collections import defaultdict
        events = json.load(open(sess.end_profiling()))
        by_op = defaultdict(float)
        by_scope = defaultdict(float)
        for e in events:
            if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
                ms = e["dur"] / (a.warmup + a.iters) / 1000
                by_op[e["args"]["op_name"]] += ms
                node = e["name"][: -len("_kernel_time")]
                scope = "/".join(node.split("/")[:2]) if "_grad" not in node else "backward"
                by_scope[scope] += ms
                by_scope[scope + " " + e["args"]["op_name"]] += ms
        for k, v in sorted(by_scope.items(), key=lambda kv: -kv[1])[:30]:
            print("  scope %-40s %.2f" % (k, v), file=sys.stderr)
        total = sum(by_op.values())
        print("kernel ms/step %.1f" % total, file=sys.stderr)
        for k, v in sorted(by_op.items(), key=lambda kv: -kv[1])[:20]:
            print("  %-28s %.2f" % (k, v), file=sys.stderr)
    times.sort()
    med = times[len(times) // 2]
    print(json.dumps({
        "engine": "nn (python onnxruntime %s%s)" % (ort.__version__, ", no arena" if a.no_arena else ""), "mode": a.mode, **size, "threads": a.threads,
        "buildMs": build_ms, "msPerStep": med, "msMin": times[0], "msAll": times,
        "tokensPerSecond": B * T / (med / 1000), "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
