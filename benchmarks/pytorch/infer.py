#!/usr/bin/env python3
"""PyTorch anchor for ModelBenchmark: prefill and KV-cached greedy decoding of the same weights.

Reads a model directory written by ModelBenchmark (config.json + model.safetensors, parsed here without
extra packages), builds the Hugging Face Llama computation in PyTorch eager (RMSNorm, rotate-half RoPE,
SwiGLU, untied lm_head), and times with one thread under torch.no_grad():
  prefill: one forward pass over 128 tokens (all logits);
  decode:  a 16-token prompt, then 64 greedy tokens, one at a time with a key/value cache.

  python3 -m ... (build first): java -cp benchmarks/target/benchmarks.jar org.consistency4j.benchmarks.ModelBenchmark
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/pytorch/infer.py benchmarks/target/model-bench-30m
"""
import json
import math
import resource
import statistics
import struct
import sys
import time

import torch

from blas import require_optimized_blas
import torch.nn.functional as F


def load(dir_):
    cfg = json.load(open(f"{dir_}/config.json"))
    with open(f"{dir_}/model.safetensors", "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    w = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info["dtype"]
        a, b = info["data_offsets"]
        w[name] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(info["shape"])
    return cfg, w


def rms(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Model:
    def __init__(self, cfg, w):
        self.cfg, self.w = cfg, w
        self.layers = cfg["num_hidden_layers"]
        self.heads = cfg["num_attention_heads"]
        self.kv = cfg.get("num_key_value_heads", self.heads)
        self.hd = cfg["hidden_size"] // self.heads
        self.eps = cfg["rms_norm_eps"]
        inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, self.hd, 2).float() / self.hd))
        freqs = torch.outer(torch.arange(cfg["max_position_embeddings"]).float(), inv)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.cos, self.sin = emb.cos(), emb.sin()

    def forward(self, ids, cache=None, start=0):
        w, t = self.w, ids.shape[1]
        x = w["model.embed_tokens.weight"][ids]
        cos = self.cos[start:start + t][None, None]
        sin = self.sin[start:start + t][None, None]
        new_cache = []
        for i in range(self.layers):
            p = f"model.layers.{i}."
            h = rms(x, w[p + "input_layernorm.weight"], self.eps)
            q = (h @ w[p + "self_attn.q_proj.weight"].t()).view(1, t, self.heads, self.hd).transpose(1, 2)
            k = (h @ w[p + "self_attn.k_proj.weight"].t()).view(1, t, self.kv, self.hd).transpose(1, 2)
            v = (h @ w[p + "self_attn.v_proj.weight"].t()).view(1, t, self.kv, self.hd).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            if cache is not None:
                k = torch.cat((cache[i][0], k), dim=2)
                v = torch.cat((cache[i][1], v), dim=2)
            new_cache.append((k, v))
            att = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd)
            if t > 1:
                att = att + torch.full((t, k.shape[2]), float("-inf")).triu(k.shape[2] - t + 1)
            out = (att.softmax(-1) @ v).transpose(1, 2).reshape(1, t, -1)
            x = x + out @ w[p + "self_attn.o_proj.weight"].t()
            h = rms(x, w[p + "post_attention_layernorm.weight"], self.eps)
            gate = h @ w[p + "mlp.gate_proj.weight"].t()
            up = h @ w[p + "mlp.up_proj.weight"].t()
            x = x + (F.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].t()
        x = rms(x, w["model.norm.weight"], self.eps)
        return x @ w["lm_head.weight"].t(), new_cache


def timed(fn, reps):
    out = []
    for i in range(reps + 2):
        t0 = time.perf_counter()
        fn()
        if i >= 2:
            out.append((time.perf_counter() - t0) * 1e3)
    return statistics.mean(out), statistics.stdev(out)


def main():
    torch.set_num_threads(1)
    print("BLAS: " + require_optimized_blas())
    for d in sys.argv[1:]:
        cfg, w = load(d)
        m = Model(cfg, w)
        g = torch.Generator().manual_seed(3)
        vocab = cfg["vocab_size"]
        p128 = torch.randint(4, vocab, (1, 128), generator=g)
        p16 = torch.randint(4, vocab, (1, 16), generator=g)

        def prefill():
            m.forward(p128)

        def decode():
            logits, cache = m.forward(p16)
            pos = 16
            for _ in range(64):
                nxt = logits[:, -1].argmax(-1, keepdim=True)
                logits, cache = m.forward(nxt, cache, pos)
                pos += 1

        with torch.no_grad():
            pm, ps = timed(prefill, 10)
            dm, ds = timed(decode, 5)
        params = sum(v.numel() for v in w.values())
        print(f"{d}: {params / 1e6:.1f}M parameters; prefill128 {pm:.2f} ± {ps:.2f} ms "
              f"({128 / pm * 1e3:.0f} tokens/s); decode64 {dm:.1f} ± {ds:.1f} ms "
              f"({64 / dm * 1e3:.0f} tokens/s)")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
          f"(torch {torch.__version__})")


if __name__ == "__main__":
    main()
