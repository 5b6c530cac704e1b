#!/usr/bin/env python3
"""PyTorch anchor for TrainingStepBenchmark: the same Llama training step in PyTorch eager.

Model: 2 layers, hidden 128, 4 heads (head_dim 32), intermediate 512, vocab 384, RMSNorm eps 1e-6,
rotate-half RoPE (theta 10000), SwiGLU MLP, untied lm_head; batch 16 x 64 tokens; loss: mean masked
cross-entropy over shifted targets; AdamW (lr 1e-4, betas 0.9/0.999, eps 1e-8, weight decay 0.01)
with global-norm clipping at 1.0. Modes: "full" trains every weight, "lora" trains rank-8 adapters
(alpha 16) on q_proj and v_proj with frozen base weights.

Run with one thread, as the JMH benchmark does:
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/pytorch/train_step.py
Prints ms per step (mean and standard deviation over timed steps), forward/backward/optimizer split,
and the process's peak RSS.
"""
import math
import resource
import statistics
import sys
import time

import torch

from blas import require_optimized_blas
import torch.nn as nn
import torch.nn.functional as F

VOCAB, HIDDEN, LAYERS, HEADS, INTER, BATCH, SEQ = 384, 128, 2, 4, 512, 16, 64
HEAD_DIM = HIDDEN // HEADS


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        v = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(v + self.eps))


class LoraLinear(nn.Module):
    def __init__(self, base, rank, alpha):
        super().__init__()
        self.base = base
        self.base.weight.requires_grad_(False)
        self.a = nn.Parameter(torch.empty(rank, base.in_features).uniform_(-1 / math.sqrt(base.in_features),
                                                                          1 / math.sqrt(base.in_features)))
        self.b = nn.Parameter(torch.zeros(base.out_features, rank))
        self.scale = alpha / rank

    def forward(self, x):
        return self.base(x) + self.scale * ((x @ self.a.t()) @ self.b.t())


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.input_layernorm = RMSNorm(HIDDEN)
        self.q_proj = nn.Linear(HIDDEN, HIDDEN, bias=False)
        self.k_proj = nn.Linear(HIDDEN, HIDDEN, bias=False)
        self.v_proj = nn.Linear(HIDDEN, HIDDEN, bias=False)
        self.o_proj = nn.Linear(HIDDEN, HIDDEN, bias=False)
        self.post_attention_layernorm = RMSNorm(HIDDEN)
        self.gate_proj = nn.Linear(HIDDEN, INTER, bias=False)
        self.up_proj = nn.Linear(HIDDEN, INTER, bias=False)
        self.down_proj = nn.Linear(INTER, HIDDEN, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(b, t, HEADS, HEAD_DIM).transpose(1, 2)
        k = self.k_proj(h).view(b, t, HEADS, HEAD_DIM).transpose(1, 2)
        v = self.v_proj(h).view(b, t, HEADS, HEAD_DIM).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        att = (q @ k.transpose(-1, -2)) / math.sqrt(HEAD_DIM) + mask
        out = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, HIDDEN)
        x = x + self.o_proj(out)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Llama(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed_tokens = nn.Embedding(VOCAB, HIDDEN)
        self.layers = nn.ModuleList([Layer() for _ in range(LAYERS)])
        self.norm = RMSNorm(HIDDEN)
        self.lm_head = nn.Linear(HIDDEN, VOCAB, bias=False)
        inv = 1.0 / (10000.0 ** (torch.arange(0, HEAD_DIM, 2).float() / HEAD_DIM))
        freqs = torch.outer(torch.arange(SEQ).float(), inv)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos()[None, None])
        self.register_buffer("sin", emb.sin()[None, None])
        self.register_buffer("mask", torch.full((SEQ, SEQ), float("-inf")).triu(1)[None, None])

    def forward(self, ids):
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, self.cos, self.sin, self.mask)
        return self.lm_head(self.norm(x))


def main():
    torch.set_num_threads(1)
    print("BLAS: " + require_optimized_blas())
    torch.manual_seed(1)
    modes = sys.argv[1:] or ["full", "lora"]
    for mode in modes:
        model = Llama()
        if mode == "lora":
            for p in model.parameters():
                p.requires_grad_(False)
            for layer in model.layers:
                layer.q_proj = LoraLinear(layer.q_proj, 8, 16)
                layer.v_proj = LoraLinear(layer.v_proj, 8, 16)
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
        ids = torch.randint(3, VOCAB, (BATCH, SEQ))
        labels = ids.clone()
        labels[:, :8] = -100
        fwd, bwd, upd, total = [], [], [], []
        for step in range(45):
            t0 = time.perf_counter()
            logits = model(ids)
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, VOCAB), labels[:, 1:].reshape(-1),
                                   ignore_index=-100)
            t1 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            t2 = time.perf_counter()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            t3 = time.perf_counter()
            if step >= 5:
                fwd.append((t1 - t0) * 1e3)
                bwd.append((t2 - t1) * 1e3)
                upd.append((t3 - t2) * 1e3)
                total.append((t3 - t0) * 1e3)
        print(f"{mode}: {statistics.mean(total):.1f} ± {statistics.stdev(total):.1f} ms/step "
              f"(forward+loss {statistics.mean(fwd):.1f}, backward {statistics.mean(bwd):.1f}, "
              f"clip+AdamW {statistics.mean(upd):.1f}); trainable parameters "
              f"{sum(p.numel() for p in params)}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS {rss / 1024:.0f} MiB (torch {torch.__version__}, threads {torch.get_num_threads()})")


if __name__ == "__main__":
    main()
