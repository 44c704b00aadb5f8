"""PyTorch baseline for `npm run bench`: the same LLaMA stack as bench/run.ts, timed on CPU.

Benchmark-only: the product and the tests never run Python. Needs Debian's /usr/bin/python3 with
python3-torch (PyTorch 1.13, CPU). Prints one JSON object on stdout.

Model (matches bench/run.ts and the studio's backbone, seed-spec §5.5): token embedding → N pre-norm LLaMA
layers (RMSNorm eps 1e-6, MHA with heads of 64, rotate-half RoPE theta 10000, causal mask, gated MLP
down(gelu(gate x) * up x) with F = 4d and exact GELU, no biases) → final RMSNorm → classifier Linear(d, V)
with bias → mean cross-entropy on next tokens. Train step = forward + backward + global-norm clip (1.0) +
AdamW (betas 0.9/0.96, eps 1e-7, weight decay 0.01, seed-spec §9.2), fp32.
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


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.dh = d // heads
        self.q_proj = nn.Linear(d, d, bias=False)
        self.k_proj = nn.Linear(d, d, bias=False)
        self.v_proj = nn.Linear(d, d, bias=False)
        self.o_proj = nn.Linear(d, d, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, d = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.dh).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.heads, self.dh).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.heads, self.dh).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # PyTorch 1.13 has no scaled_dot_product_attention: explicit scores + additive causal mask.
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh) + mask
        p = torch.softmax(s, dim=-1)
        o = torch.matmul(p, v).transpose(1, 2).reshape(b, t, d)
        return self.o_proj(o)


class Layer(nn.Module):
    def __init__(self, d, heads, f):
        super().__init__()
        self.input_layernorm = RMSNorm(d)
        self.self_attn = Attention(d, heads)
        self.post_attention_layernorm = RMSNorm(d)
        self.mlp = Mlp(d, f)

    def forward(self, h, cos, sin, mask):
        h = h + self.self_attn(self.input_layernorm(h), cos, sin, mask)
        return h + self.mlp(self.post_attention_layernorm(h))


class Model(nn.Module):
    def __init__(self, vocab, d, layers, heads, f):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList([Layer(d, heads, f) for _ in range(layers)])
        self.norm = RMSNorm(d)
        self.classifier = nn.Linear(d, vocab)
        self.dh = d // heads

    def forward(self, ids):
        b, t = ids.shape
        pos = torch.arange(t, dtype=torch.float32)
        inv = 10000.0 ** (-torch.arange(0, self.dh, 2, dtype=torch.float32) / self.dh)
        ang = pos[:, None] * inv[None, :]
        emb = torch.cat((ang, ang), dim=-1)
        cos, sin = emb.cos(), emb.sin()
        mask = torch.full((t, t), float("-inf")).triu(1)
        h = self.embed(ids)
        for layer in self.layers:
            h = layer(h, cos, sin, mask)
        return self.classifier(self.norm(h))


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, required=True)
    ap.add_argument("--layers", type=int, required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--seq", type=int, required=True)
    ap.add_argument("--vocab", type=int, default=1025)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--mode", choices=["forward", "train"], required=True)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iters", type=int, default=5)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Model(a.vocab, a.d, a.layers, a.d // 64, 4 * a.d)
    ids = torch.randint(0, a.vocab, (a.batch, a.seq))
    params = sum(p.numel() for p in model.parameters())

    if a.mode == "forward":
        model.eval()

        def step():
            with torch.no_grad():
                model(ids)
    else:
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.96), eps=1e-7, weight_decay=0.01)

        def step():
            logits = model(ids)
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, a.vocab), ids[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.iters):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000.0)
    times.sort()
    median = times[len(times) // 2]
    print(json.dumps({
        "engine": "pytorch",
        "version": torch.__version__,
        "mode": a.mode,
        "d": a.d, "layers": a.layers, "batch": a.batch, "seq": a.seq, "vocab": a.vocab,
        "threads": a.threads, "params": params,
        "msPerStep": median, "msMin": times[0], "msAll": times,
        "tokensPerSecond": a.batch * a.seq / (median / 1000.0),
        "peakRssMiB": peak_rss_mib(),
    }))


if __name__ == "__main__":
    main()
