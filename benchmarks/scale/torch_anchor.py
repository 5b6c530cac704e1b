#!/usr/bin/python3
"""PyTorch eager anchor for ScaleBenchmark: the same measurements on the same safetensors files.

A plain-torch re-implementation of the Llama family forward (Llama 3 RoPE scaling, Qwen2 q/k/v biases,
Qwen3 per-head q/k RMSNorm, GQA, SwiGLU, tied or separate head) in float32, written from the published
model definitions (the RoPE inverse frequencies come from consistency-train's fixture generator
src/test/python/make_family_fixtures.py). Weights are read from model.safetensors (BF16/F16/F32) and
upcast to float32, as the Java side computes in float32.

  /usr/bin/python3 benchmarks/scale/torch_anchor.py MEASURE MODEL_DIR THREADS [REPS]

MEASURE as ScaleBenchmark: load | prefill | decode1 | decode16 | lora | cat. Prints one JSON line
with the same fields as ScaleBenchmark (peak_rss_mib is VmHWM of /proc/self/status).
"""
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "consistency-train", "src", "test", "python"))
from make_family_fixtures import rope_parameters  # noqa: E402  (sets 1 thread; reset below)
sys.path.insert(0, os.path.join(HERE, "..", "pytorch"))
from blas import require_optimized_blas  # noqa: E402

PREFILL, PROMPT, NEW_TOKENS, TRAIN_SEQ, CAT_PROMPT, WORDS = 512, 16, 32, 256, 64, 1000


def status_mib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError(field)


def load(dir_):
    cfg = json.load(open(os.path.join(dir_, "config.json")))
    path = os.path.join(dir_, "model.safetensors")
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    start = 8 + n
    W = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        shape = info["shape"]
        dt = info["dtype"]
        if dt == "F32":
            arr = np.fromfile(path, dtype=np.float32, count=(b - a) // 4, offset=start + a)
            t = torch.from_numpy(arr)
        elif dt == "BF16":
            raw = np.fromfile(path, dtype=np.uint16, count=(b - a) // 2, offset=start + a)
            t = torch.from_numpy((raw.astype(np.uint32) << 16).view(np.float32))
            del raw
        elif dt == "F16":
            raw = np.fromfile(path, dtype=np.float16, count=(b - a) // 2, offset=start + a)
            t = torch.from_numpy(raw.astype(np.float32))
        else:
            raise ValueError(f"{name}: dtype {dt}")
        W[name] = t.reshape(shape)
    return cfg, W


class Model:
    def __init__(self, cfg, W):
        self.cfg, self.W = cfg, W
        self.nh = cfg["num_attention_heads"]
        self.nkv = cfg["num_key_value_heads"]
        self.hd = cfg.get("head_dim") or cfg["hidden_size"] // self.nh
        self.eps = cfg["rms_norm_eps"]
        inv, scaling, rd = rope_parameters(cfg, 0)
        assert rd == self.hd and scaling == 1.0
        self.inv = torch.tensor(inv, dtype=torch.float32)
        self.head = W["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else W["lm_head.weight"]
        self.lora = {}

    def norm(self, x, w):
        return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

    def lin(self, x, name):
        y = x @ self.W[name + ".weight"].t()
        if name + ".bias" in self.W:
            y = y + self.W[name + ".bias"]
        if name in self.lora:
            a, b, s = self.lora[name]
            y = y + s * ((x @ a.t()) @ b.t())
        return y

    def forward(self, ids, start=0, cache=None, last_only=False):
        """ids [B, T] at positions start.. ; cache: list of (k, v) per layer or None (no cache kept)."""
        W = self.W
        B, T = ids.shape
        pos = torch.arange(start, start + T, dtype=torch.float32)
        freqs = pos[:, None] * self.inv[None, :]
        emb = torch.cat((freqs, freqs), -1)
        cos, sin = emb.cos(), emb.sin()
        x = W["model.embed_tokens.weight"][ids]
        total = start + T
        mask = torch.full((T, total), float("-inf")).triu(start + 1)
        new_cache = []
        for l in range(self.cfg["num_hidden_layers"]):
            p = "model.layers.%d." % l
            h = self.norm(x, W[p + "input_layernorm.weight"])
            q = self.lin(h, p + "self_attn.q_proj").view(B, T, self.nh, self.hd)
            k = self.lin(h, p + "self_attn.k_proj").view(B, T, self.nkv, self.hd)
            v = self.lin(h, p + "self_attn.v_proj").view(B, T, self.nkv, self.hd)
            if p + "self_attn.q_norm.weight" in W:
                q = self.norm(q, W[p + "self_attn.q_norm.weight"])
                k = self.norm(k, W[p + "self_attn.k_norm.weight"])
            q, k, v = (t.transpose(1, 2) for t in (q, k, v))
            q = q * cos + rot(q) * sin
            k = k * cos + rot(k) * sin
            if cache is not None:
                if cache:
                    k = torch.cat((cache[l][0], k), 2)
                    v = torch.cat((cache[l][1], v), 2)
                new_cache.append((k, v))
            rep = self.nh // self.nkv
            kk = k.repeat_interleave(rep, dim=1)
            vv = v.repeat_interleave(rep, dim=1)
            s = (q @ kk.transpose(-1, -2)) / math.sqrt(self.hd) + mask
            ctx = (s.softmax(-1) @ vv).transpose(1, 2).reshape(B, T, self.nh * self.hd)
            x = x + self.lin(ctx, p + "self_attn.o_proj")
            h = self.norm(x, W[p + "post_attention_layernorm.weight"])
            g = self.lin(h, p + "mlp.gate_proj")
            x = x + self.lin(torch.nn.functional.silu(g) * self.lin(h, p + "mlp.up_proj"), p + "mlp.down_proj")
        if last_only:
            x = x[:, -1:]
        logits = self.norm(x, W["model.norm.weight"]) @ self.head.t()
        return logits, new_cache


def rot(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), -1)


def median_ms(reps, fn):
    fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1e3)
    return statistics.median(ts)


def generate(m, prompts, n):
    with torch.no_grad():
        logits, cache = m.forward(prompts, 0, [], last_only=True)
        out = []
        pos = prompts.shape[1]
        for i in range(n):
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            out.append(nxt)
            if i == n - 1:
                break
            logits, cache = m.forward(nxt, pos, cache, last_only=True)
            pos += 1
    return torch.cat(out, 1)


def main():
    what, dir_, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    torch.set_num_threads(threads)
    blas = require_optimized_blas()
    t0 = time.perf_counter()
    cfg, W = load(dir_)
    m = Model(cfg, W)
    load_ms = (time.perf_counter() - t0) * 1e3
    g = torch.Generator().manual_seed(7)
    res = {"model": os.path.basename(os.path.normpath(dir_)), "what": what, "threads": threads,
           "impl": "pytorch-eager", "torch": torch.__version__, "blas": blas}
    if what == "load":
        res["load_ms"] = round(load_ms)
    elif what == "prefill":
        ids = torch.randint(4, WORDS + 4, (1, PREFILL), generator=g)

        def run():
            with torch.no_grad():
                m.forward(ids)
        ms = median_ms(reps, run)
        res.update(load_ms=round(load_ms), prefill_ms=round(ms), tokens_per_s=round(PREFILL / ms * 1e3, 2))
    elif what in ("decode1", "decode16"):
        b = 1 if what == "decode1" else 16
        prompts = torch.randint(4, WORDS + 4, (b, PROMPT), generator=g)
        one = median_ms(reps, lambda: generate(m, prompts, 1))
        full = median_ms(reps, lambda: generate(m, prompts, NEW_TOKENS + 1))
        res.update(load_ms=round(load_ms), batch=b, prompt_plus_1_ms=round(one),
                   **{"prompt_plus_%d_ms" % (NEW_TOKENS + 1): round(full)},
                   tokens_per_s=round(b * NEW_TOKENS / (full - one) * 1e3, 2))
    elif what in ("lora", "cat"):
        for t in W.values():
            t.requires_grad_(False)
        params = []
        for l in range(cfg["num_hidden_layers"]):
            for mod in ("q_proj", "v_proj"):
                name = "model.layers.%d.self_attn.%s" % (l, mod)
                out_f, in_f = W[name + ".weight"].shape
                a = (torch.rand(8, in_f, generator=g) * 2 - 1) / math.sqrt(in_f)
                bm = torch.zeros(out_f, 8)
                a.requires_grad_(True)
                bm.requires_grad_(True)
                m.lora[name] = (a, bm, 16 / 8)
                params += [a, bm]
        opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
        cat = what == "cat"
        rows = 2 if cat else 1
        prompt = CAT_PROMPT if cat else 0
        ids = torch.randint(4, WORDS + 4, (rows, TRAIN_SEQ), generator=g)
        if cat:
            ids[1, :prompt] = ids[0, :prompt]
        labels = ids.clone()
        labels[:, :prompt] = -100

        def step():
            opt.zero_grad()
            logits, _ = m.forward(ids)
            lp = torch.log_softmax(logits[:, :-1], -1)
            tgt = labels[:, 1:]
            mask = tgt != -100
            tok = lp.gather(-1, tgt.clamp(min=0).unsqueeze(-1)).squeeze(-1) * mask
            if cat:
                seq = tok.sum(-1) / mask.sum(-1)
                loss = torch.relu(-(seq[0] - seq[1])) + (-tok[0].sum() / mask[0].sum())
            else:
                loss = -tok.sum() / mask.sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        ms = median_ms(reps, step)
        res.update(setup_ms=round(load_ms), rows=rows, seq=TRAIN_SEQ, step_ms=round(ms))
    else:
        raise SystemExit("unknown measurement " + what)
    res["peak_rss_mib"] = round(status_mib("VmHWM"))
    print(json.dumps(res))


if __name__ == "__main__":
    main()
