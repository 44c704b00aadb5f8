"""PyTorch baseline for bench/valle_ar.ts: AR generation of the full-size VALL-E with a KV cache, on CPU.

Benchmark-only: the product and the tests never run Python. Needs Debian's /usr/bin/python3 with
python3-torch (PyTorch 1.13, CPU; see bench/README.md for the OpenBLAS note). Prints one JSON object on stdout.

Written from the seed spec (§5.2-5.6, §6.3), independently of the TypeScript model:
- the AR_NAR state dict of §5.10 (220,514,305 parameters with langs 2, tasks 8, tones 1), random weights;
- input for target level 0 (§5.3): [text] SEP [rvq_l(0)] SEP [prompt level 0] SEP, then the generated codes,
  each embedded with resps_emb.0; per-segment position ids (unified_position_ids false, §5.4, as the example
  config);
- the HF LLaMA backbone of §5.5: pre-norm RMSNorm (eps 1e-6), MHA with 16 heads of 64, rotate-half RoPE
  (theta 10000), causal mask, MLP down(gelu(gate x) * up x) with exact GELU, final RMSNorm, classifier
  Linear(d, 1025) with bias (§5.6) on the last position only;
- greedy decoding with the stop token (1024) banned, so every run produces the same number of frames.
The reference itself re-runs the whole sequence at every step (§5.5, "No KV cache is used at inference"); this
baseline keeps a preallocated per-layer key/value cache written in place, the fastest plain PyTorch form.
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_common import Mlp, RMSNorm, rotate_half

STOP = 1024


class Linear(nn.Linear):
    """nn.Linear; with `single_row_mv`, a one-row input is multiplied as torch.mv(W, x) instead of x·Wᵀ.

    Why: PyTorch 1.13 sends a one-row Linear to BLAS sgemm, and with the OpenBLAS 0.3.21 Debian's torch links
    that is several times slower than sgemv over the same weight (bench/README.md, "AR generation"). Decode
    is all one-row products, so the benchmark runs both forms: the idiomatic one (nn.Linear, as HF and the
    reference write it) and this one.
    """

    single_row_mv = False

    def forward(self, x):
        if Linear.single_row_mv and x.numel() == x.shape[-1]:
            y = torch.mv(self.weight, x.reshape(-1))
            if self.bias is not None:
                y = y + self.bias
            return y.view(*x.shape[:-1], -1)
        return F.linear(x, self.weight, self.bias)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.dh = d // heads
        self.q_proj = Linear(d, d, bias=False)
        self.k_proj = Linear(d, d, bias=False)
        self.v_proj = Linear(d, d, bias=False)
        self.o_proj = Linear(d, d, bias=False)

    def forward(self, x, cos, sin, cache_k, cache_v, start):
        """x [1, T, d] at cache slots start..start+T-1; cos/sin [T, dh]; attends to slots 0..start+T-1."""
        b, t, d = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.dh).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.heads, self.dh).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.heads, self.dh).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        end = start + t
        cache_k[:, :, start:end] = k
        cache_v[:, :, start:end] = v
        keys = cache_k[:, :, :end]
        values = cache_v[:, :, :end]
        # PyTorch 1.13 has no scaled_dot_product_attention: explicit scores; a single new query sees every key.
        s = torch.matmul(q, keys.transpose(-1, -2)) / math.sqrt(self.dh)
        if t > 1:
            s = s + torch.full((t, end), float("-inf")).triu(start + 1)
        p = torch.softmax(s, dim=-1)
        o = torch.matmul(p, values).transpose(1, 2).reshape(b, t, d)
        return self.o_proj(o)


class Layer(nn.Module):
    def __init__(self, d, heads, f):
        super().__init__()
        self.input_layernorm = RMSNorm(d)
        self.self_attn = Attention(d, heads)
        self.post_attention_layernorm = RMSNorm(d)
        self.mlp = Mlp(d, f, Linear)

    def forward(self, h, cos, sin, cache_k, cache_v, start):
        h = h + self.self_attn(self.input_layernorm(h), cos, sin, cache_k, cache_v, start)
        return h + self.mlp(self.post_attention_layernorm(h))


class Backbone(nn.Module):
    def __init__(self, d, heads, layers, f):
        super().__init__()
        self.embed_tokens = nn.Embedding(STOP + 1, d)  # in the state dict, never read (§5.5)
        self.layers = nn.ModuleList([Layer(d, heads, f) for _ in range(layers)])
        self.norm = RMSNorm(d)


class AudioEmbedding(nn.Module):
    def __init__(self, rows, d):
        super().__init__()
        self.embeddings = nn.ModuleList([nn.Embedding(n, d) for n in rows])


class ValleAr(nn.Module):
    """The AR_NAR module tree of §5.10 (same names and shapes); only what the AR at level 0 reads is used."""

    def __init__(self, d=1024, heads=16, layers=12, levels=8, langs=2, tasks=8, tones=1):
        super().__init__()
        self.heads = heads
        self.dh = d // heads
        self.text_emb = nn.Embedding(256, d)
        self.sep = nn.Parameter(torch.randn(d))
        self.dropout_token = nn.Parameter(torch.zeros(d))
        self.proms_emb = AudioEmbedding([1024] * levels, d)
        self.resps_emb = AudioEmbedding([1025] + [1024] * (levels - 1), d)
        self.langs_emb = nn.Embedding(langs, d)
        self.tasks_emb = nn.Embedding(tasks, d)
        self.tones_emb = nn.Embedding(tones, d)
        self.rvq_l_emb = nn.Embedding(levels, d)
        self.model = Backbone(d, heads, layers, 4 * d)
        self.classifier = Linear(d, STOP + 1)
        # HF LLaMA init for the MLP (§5.11); values only matter in that they are finite and of a sane scale.
        for layer in self.model.layers:
            for lin in (layer.mlp.gate_proj, layer.mlp.up_proj, layer.mlp.down_proj):
                nn.init.normal_(lin.weight, std=0.02)
        nn.init.normal_(self.model.embed_tokens.weight, std=0.02)

    def rope(self, positions):
        inv = 10000.0 ** (-torch.arange(0, self.dh, 2, dtype=torch.float32) / self.dh)
        ang = positions.to(torch.float32)[:, None] * inv[None, :]
        emb = torch.cat((ang, ang), dim=-1)
        return emb.cos(), emb.sin()

    def new_cache(self, slots):
        shape = (1, self.heads, slots, self.dh)
        return [(torch.zeros(shape), torch.zeros(shape)) for _ in self.model.layers]

    def prompt_inputs(self, text, prompt0):
        """[text] SEP [rvq_l(0)] SEP [prompt] SEP as embeddings [1, S, d] and per-segment position ids [S]."""
        sep = self.sep[None, :]
        parts = [self.text_emb(text), sep, self.rvq_l_emb(torch.tensor([0])), sep, self.proms_emb.embeddings[0](prompt0), sep]
        segs = [text.numel(), 1, prompt0.numel()]
        positions = torch.cat([torch.arange(n + 1) for n in segs])
        return torch.cat(parts, dim=0)[None], positions

    def run(self, h, positions, cache, start):
        """Backbone + head over h [1, T, d]; logits [1025] of the last position."""
        cos, sin = self.rope(positions)
        for layer, (ck, cv) in zip(self.model.layers, cache):
            h = layer(h, cos, sin, ck, cv, start)
        return self.classifier(self.model.norm(h[:, -1]))[0]


def greedy(logits):
    return int(torch.argmax(logits[:STOP]))  # stop token banned: a full-length run every time


def generate(model, text, prompt0, steps):
    """Prefill, then `steps` cached decode steps; returns (codes, prefill ms, per-step ms)."""
    t0 = time.perf_counter()
    h, positions = model.prompt_inputs(text, prompt0)
    length = h.shape[1]
    cache = model.new_cache(length + steps)
    codes = [greedy(model.run(h, positions, cache, 0))]
    prefill_ms = (time.perf_counter() - t0) * 1000.0
    step_ms = []
    for s in range(steps):
        t = time.perf_counter()
        x = model.resps_emb.embeddings[0](torch.tensor([[codes[-1]]]))
        # The code appended as the s-th resp token has position id s (resp ids start at 0, §5.4).
        codes.append(greedy(model.run(x, torch.tensor([s]), cache, length + s)))
        step_ms.append((time.perf_counter() - t) * 1000.0)
    return codes, prefill_ms, step_ms, length


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--text", type=int, default=40, help="text tokens, BOS and EOS included")
    ap.add_argument("--prompt-frames", type=int, default=225)
    ap.add_argument("--steps", type=int, default=150, help="decode steps after the prefill")
    ap.add_argument("--warmup-steps", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--linear", choices=["module", "mv"], default="module", help="mv: one-row linears as torch.mv")
    a = ap.parse_args()
    Linear.single_row_mv = a.linear == "mv"

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    t0 = time.perf_counter()
    model = ValleAr().eval()
    for p in model.parameters():
        p.requires_grad_(False)
    build_ms = (time.perf_counter() - t0) * 1000.0
    params = sum(p.numel() for p in model.parameters())
    weights_mib = sum(p.numel() * p.element_size() for p in model.parameters()) / 2**20
    rss_after_build = rss_mib()

    g = torch.Generator().manual_seed(a.seed + 1)
    text = torch.cat([torch.tensor([1]), torch.randint(3, 256, (a.text - 2,), generator=g), torch.tensor([2])])
    prompt0 = torch.randint(0, 1024, (a.prompt_frames,), generator=g)

    with torch.inference_mode():
        t = time.perf_counter()
        generate(model, text, prompt0, a.warmup_steps)
        warmup_ms = (time.perf_counter() - t) * 1000.0
        codes, prefill_ms, step_ms, length = generate(model, text, prompt0, a.steps)

    frames = len(codes)
    decode_total = sum(step_ms)
    total_ms = prefill_ms + decode_total
    srt = sorted(step_ms)
    print(json.dumps({
        "engine": "pytorch" if a.linear == "module" else "pytorch-mv",
        "version": torch.__version__,
        "threads": a.threads,
        "linear": a.linear,
        "params": params,
        "textTokens": a.text,
        "promptFrames": a.prompt_frames,
        "promptLength": length,
        "steps": a.steps,
        "frames": frames,
        "buildMs": build_ms,
        "warmupMs": warmup_ms,
        "prefillMs": prefill_ms,
        "decodeMsMedian": srt[len(srt) // 2],
        "decodeMsMin": srt[0],
        "decodeMsMean": decode_total / len(step_ms),
        "decodeMsAll": step_ms,
        "totalMs": total_ms,
        "decodeFramesPerSecond": 1000.0 * len(step_ms) / decode_total,
        "framesPerSecond": frames / (total_ms / 1000.0),
        "rtf": (total_ms / 1000.0) / (frames / 75.0),
        "weightsMiB": weights_mib,
        "rssAfterBuildMiB": rss_after_build,
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "codesHead": codes[:8],
    }))


if __name__ == "__main__":
    main()
