"""Pieces shared by the PyTorch baselines (benchmark-only; the product never runs Python)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Mlp(nn.Module):
    """LLaMA MLP with exact GELU, as the studio's model: down(gelu(gate x) * up x). `linear` builds each projection."""

    def __init__(self, d, f, linear=nn.Linear):
        super().__init__()
        self.gate_proj = linear(d, f, bias=False)
        self.up_proj = linear(d, f, bias=False)
        self.down_proj = linear(f, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.gelu(self.gate_proj(x)) * self.up_proj(x))
