#!/usr/bin/python3
"""Generates the tiny model-family fixtures under src/test/resources/fixtures/ and their references.

Run with Debian's python3 (python3-torch, no transformers) from consistency-train/:

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 src/test/python/make_family_fixtures.py

For each family it writes a Hugging Face model directory with random weights, a config.json with the
real family's field set (sizes scaled down; rope_scaling, partial_rotary_factor, sliding-window fields
with the values real checkpoints use), the tiny-llama tokenizer, and reference.json computed by the
independent float64 re-implementation below (written from the published model definitions, not from
transformers' code). tiny-qwen3 also gets reference_grads.json (PyTorch autograd in float64).

Families:
  tiny-llama3  Llama 3.2 layout: rope_scaling llama3 (factor 32, low 1, high 4, original 8192),
               rope_theta 5e5, explicit head_dim, tied embeddings; plus variants of the same weights
               with rope_scaling linear and dynamic (reference.json "variants").
  tiny-qwen3   Qwen3 layout: per-head q_norm/k_norm before RoPE, head_dim 32 != hidden/heads = 16,
               no biases, tied embeddings, use_sliding_window false.
  tiny-phi3    Phi-4-mini layout: fused qkv_proj and gate_up_proj, partial_rotary_factor 0.75,
               rope_scaling longrope (short/long factors) with original_max_position_embeddings, tied.
  tiny-gemma2  Gemma 2 layout: embeddings times sqrt(hidden), (1 + w) RMSNorm, GELU-tanh MLP, norms
               before and after attention and MLP, attention and final logit soft-capping (caps
               scaled down so that they bend random-weight logits), query_pre_attn_scalar != head_dim,
               sliding window (8 positions) on every other layer.
  tiny-gemma3  Gemma 3 text layout (gemma3_text): as Gemma 2 without soft-capping, (1 + w) q_norm and
               k_norm, sliding layers with rope_local_base_freq and global layers with rope_theta and
               rope_scaling linear, sliding_window_pattern.
Both Gemma fixtures also get reference_grads.json.
"""

import hashlib
import json
import math
import os
import shutil
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
RES = os.path.normpath(os.path.join(HERE, "..", "resources", "fixtures"))
TOKENIZER_DIR = os.path.join(RES, "tiny-llama")
VOCAB = 384

torch.set_num_threads(1)


# ----------------------------------------------------------------------------------------------
# safetensors (F32 only): 8-byte little-endian header length, JSON header, packed data
# ----------------------------------------------------------------------------------------------
def write_safetensors(path, tensors):
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ----------------------------------------------------------------------------------------------
# RoPE inverse frequencies and attention scaling, per rope type (float64)
# ----------------------------------------------------------------------------------------------
def gemma_family(cfg):
    return cfg["model_type"] in ("gemma2", "gemma3_text")


def sliding_layers(cfg):
    """Indices of the layers that use sliding-window attention."""
    n = cfg["num_hidden_layers"]
    if cfg["model_type"] == "gemma2":
        return [i for i in range(n) if i % 2 == 0]
    if cfg["model_type"] == "gemma3_text":
        if cfg.get("layer_types"):
            return [i for i, t in enumerate(cfg["layer_types"]) if t == "sliding_attention"]
        return [i for i in range(n) if (i + 1) % cfg["sliding_window_pattern"] != 0]
    return []


def layer_rope_config(cfg, layer):
    """Gemma 3's sliding layers use default RoPE with rope_local_base_freq."""
    if cfg["model_type"] == "gemma3_text" and layer in sliding_layers(cfg):
        local = dict(cfg)
        local["rope_theta"] = cfg["rope_local_base_freq"]
        local["rope_scaling"] = None
        return local
    return cfg


def rope_parameters(cfg, seq_len):
    """Returns (inv_freq [rotary_dim/2] float64 numpy, attention_scaling, rotary_dim)."""
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    rotary_dim = int(head_dim * cfg.get("partial_rotary_factor", 1.0))
    base = float(cfg.get("rope_theta", 10000.0))
    exps = np.arange(0, rotary_dim, 2, dtype=np.float64) / rotary_dim
    rs = cfg.get("rope_scaling")
    kind = "default" if rs is None else rs.get("rope_type", rs.get("type"))
    scaling = 1.0
    if kind == "default":
        inv = 1.0 / base ** exps
    elif kind == "linear":
        # positions / factor == inverse frequencies / factor
        inv = 1.0 / base ** exps / rs["factor"]
    elif kind == "dynamic":
        # NTK-aware base change for sequences longer than max_position_embeddings; the identity below it
        max_pos = cfg["max_position_embeddings"]
        n = max(seq_len, max_pos)
        base2 = base * ((rs["factor"] * n / max_pos) - (rs["factor"] - 1)) ** (rotary_dim / (rotary_dim - 2))
        inv = 1.0 / base2 ** exps
    elif kind == "llama3":
        inv0 = 1.0 / base ** exps
        factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        inv = np.empty_like(inv0)
        for i, f in enumerate(inv0):
            wavelen = 2 * math.pi / f
            if wavelen < high_wavelen:
                inv[i] = f
            elif wavelen > low_wavelen:
                inv[i] = f / factor
            else:
                s = (old / wavelen - low) / (high - low)
                inv[i] = (1 - s) * f / factor + s * f
    elif kind == "longrope":
        orig = cfg.get("original_max_position_embeddings")
        if orig:
            factor = cfg["max_position_embeddings"] / orig
        else:
            orig = cfg["max_position_embeddings"]
            factor = rs["factor"]
        scaling = rs.get("attention_factor")
        if scaling is None:
            scaling = 1.0 if factor <= 1.0 else math.sqrt(1 + math.log(factor) / math.log(orig))
        ext = np.array(rs["long_factor"] if seq_len > orig else rs["short_factor"], dtype=np.float64)
        inv = 1.0 / (ext * base ** exps)
    else:
        raise ValueError(kind)
    return inv, scaling, rotary_dim


# ----------------------------------------------------------------------------------------------
# The decoder (eager attention, Llama semantics plus the family switches)
# ----------------------------------------------------------------------------------------------
def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def split_weights(cfg, W):
    """Phi-3 stores fused qkv_proj (rows q, then k, then v) and gate_up_proj (gate rows, then up)."""
    if cfg["model_type"] != "phi3":
        return W
    out = dict(W)
    hd = cfg["hidden_size"] // cfg["num_attention_heads"]
    q = cfg["num_attention_heads"] * hd
    kv = cfg["num_key_value_heads"] * hd
    inter = cfg["intermediate_size"]
    for l in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % l
        qkv = out.pop(p + "self_attn.qkv_proj.weight")
        out[p + "self_attn.q_proj.weight"] = qkv[:q]
        out[p + "self_attn.k_proj.weight"] = qkv[q:q + kv]
        out[p + "self_attn.v_proj.weight"] = qkv[q + kv:]
        gu = out.pop(p + "mlp.gate_up_proj.weight")
        out[p + "mlp.gate_proj.weight"] = gu[:inter]
        out[p + "mlp.up_proj.weight"] = gu[inter:]
    return out


def gemma_rms_norm(x, w, eps):
    return (1.0 + w) * (x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


def forward(cfg, W, ids, dtype, lora=None):
    """ids: LongTensor [B, T] -> logits [B, T, V]. W: split weights. lora: {weight name: (A, B, scale)}."""
    W = {k: v.to(dtype) for k, v in W.items()}
    B, T = ids.shape
    nh = cfg["num_attention_heads"]
    nkv = cfg["num_key_value_heads"]
    hd = cfg.get("head_dim") or cfg["hidden_size"] // nh
    eps = cfg["rms_norm_eps"]
    gemma = gemma_family(cfg)
    norm = gemma_rms_norm if gemma else rms_norm
    scale = cfg["query_pre_attn_scalar"] ** -0.5 if gemma else 1.0 / math.sqrt(hd)
    attn_cap = cfg.get("attn_logit_softcapping") if gemma else None
    final_cap = cfg.get("final_logit_softcapping") if gemma else None
    pos = torch.arange(T, dtype=dtype)

    def cos_sin(layer):
        inv, scaling, rd = rope_parameters(layer_rope_config(cfg, layer), T)
        freqs = pos[:, None] * torch.tensor(inv, dtype=dtype)[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos() * scaling, emb.sin() * scaling, rd

    def lin(x, name, bias=None):
        y = x @ W[name].t()
        if lora is not None and name in lora:
            a, b, s = lora[name]
            y = y + s * ((x @ a.to(dtype).t()) @ b.to(dtype).t())
        return y if bias is None else y + W[bias]

    def rope(x, cos, sin, rd):
        xr, xp = x[..., :rd], x[..., rd:]
        return torch.cat((xr * cos + rotate_half(xr) * sin, xp), dim=-1)

    neg = torch.finfo(dtype).min
    causal = torch.full((T, T), neg, dtype=dtype).triu(1)
    qi = torch.arange(T)[:, None]
    ki = torch.arange(T)[None, :]
    window = cfg.get("sliding_window")
    sliding = torch.where(qi - ki >= window, torch.tensor(neg, dtype=dtype), causal) if window else causal
    x = W["model.embed_tokens.weight"][ids]
    if gemma:
        x = x * torch.tensor(cfg["hidden_size"] ** 0.5, dtype=dtype)
    for l in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % l
        cos, sin, rd = cos_sin(l)
        h = norm(x, W[p + "input_layernorm.weight"], eps)
        q = lin(h, p + "self_attn.q_proj.weight").view(B, T, nh, hd)
        k = lin(h, p + "self_attn.k_proj.weight").view(B, T, nkv, hd)
        v = lin(h, p + "self_attn.v_proj.weight").view(B, T, nkv, hd)
        if cfg["model_type"] in ("qwen3", "gemma3_text"):
            q = norm(q, W[p + "self_attn.q_norm.weight"], eps)
            k = norm(k, W[p + "self_attn.k_norm.weight"], eps)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        q, k = rope(q, cos, sin, rd), rope(k, cos, sin, rd)
        rep = nh // nkv
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        scores = q @ k.transpose(-1, -2) * scale
        if attn_cap:
            scores = torch.tanh(scores / attn_cap) * attn_cap
        scores = scores + (sliding if l in sliding_layers(cfg) else causal)
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, nh * hd)
        a = lin(ctx, p + "self_attn.o_proj.weight")
        if gemma:
            a = norm(a, W[p + "post_attention_layernorm.weight"], eps)
            x = x + a
            h = norm(x, W[p + "pre_feedforward_layernorm.weight"], eps)
        else:
            x = x + a
            h = norm(x, W[p + "post_attention_layernorm.weight"], eps)
        g = lin(h, p + "mlp.gate_proj.weight")
        u = lin(h, p + "mlp.up_proj.weight")
        act = gelu_tanh(g) if gemma else g * torch.sigmoid(g)
        m = lin(act * u, p + "mlp.down_proj.weight")
        if gemma:
            m = norm(m, W[p + "post_feedforward_layernorm.weight"], eps)
        x = x + m
    x = norm(x, W["model.norm.weight"], eps)
    head = W["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", gemma) else W["lm_head.weight"]
    logits = x @ head.t()
    if final_cap:
        logits = torch.tanh(logits / final_cap) * final_cap
    return logits


# ----------------------------------------------------------------------------------------------
# Fixtures
# ----------------------------------------------------------------------------------------------
def random_weights(cfg, seed):
    g = torch.Generator().manual_seed(seed)
    std = cfg.get("initializer_range", 0.02)
    h = cfg["hidden_size"]
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim") or h // nh
    inter = cfg["intermediate_size"]

    def n(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float64).float() * std

    def norm(size):
        return (1.0 + 0.1 * torch.randn(size, generator=g, dtype=torch.float64)).float()

    W = {"model.embed_tokens.weight": n(cfg["vocab_size"], h)}
    for l in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % l
        W[p + "input_layernorm.weight"] = norm(h)
        if cfg["model_type"] == "phi3":
            W[p + "self_attn.qkv_proj.weight"] = n((nh + 2 * nkv) * hd, h)
        else:
            W[p + "self_attn.q_proj.weight"] = n(nh * hd, h)
            W[p + "self_attn.k_proj.weight"] = n(nkv * hd, h)
            W[p + "self_attn.v_proj.weight"] = n(nkv * hd, h)
        if cfg["model_type"] in ("qwen3", "gemma3_text"):
            W[p + "self_attn.q_norm.weight"] = norm(hd)
            W[p + "self_attn.k_norm.weight"] = norm(hd)
        W[p + "self_attn.o_proj.weight"] = n(h, nh * hd)
        W[p + "post_attention_layernorm.weight"] = norm(h)
        if gemma_family(cfg):
            W[p + "pre_feedforward_layernorm.weight"] = norm(h)
            W[p + "post_feedforward_layernorm.weight"] = norm(h)
        if cfg["model_type"] == "phi3":
            W[p + "mlp.gate_up_proj.weight"] = n(2 * inter, h)
        else:
            W[p + "mlp.gate_proj.weight"] = n(inter, h)
            W[p + "mlp.up_proj.weight"] = n(inter, h)
        W[p + "mlp.down_proj.weight"] = n(h, inter)
    W["model.norm.weight"] = norm(h)
    if not cfg.get("tie_word_embeddings", gemma_family(cfg)):
        W["lm_head.weight"] = n(cfg["vocab_size"], h)
    return W


def greedy(cfg, W, ids, steps):
    toks = list(ids)
    margins = []
    for _ in range(steps):
        logits = forward(cfg, W, torch.tensor([toks]), torch.float64)[0, -1]
        top = torch.topk(logits, 2).values
        margins.append(float(top[0] - top[1]))
        toks.append(int(logits.argmax()))
    return toks[len(ids):], margins


def sequences_reference(cfg, W, seqs):
    out = []
    worst = 0.0
    for i, ids in enumerate(seqs):
        t = torch.tensor([ids])
        l64 = forward(cfg, W, t, torch.float64)[0]
        l32 = forward(cfg, W, t, torch.float32)[0].double()
        diff = float((l64 - l32).abs().max())
        worst = max(worst, diff)
        assert diff < 1e-4, diff
        last = list(range(max(0, len(ids) - 3), len(ids)))
        lp = torch.log_softmax(l64, -1)
        nt = [float(lp[p - 1, ids[p]]) for p in range(1, len(ids))]
        new, margins = greedy(cfg, W, ids, 12)
        out.append({
            "index": i,
            "length": len(ids),
            "input_ids": ids,
            "last_positions": last,
            "last_logits_f64": [[float(v) for v in l64[p]] for p in last],
            "next_token_logprobs_f64": nt,
            "sum_logprob_f64": float(sum(nt)),
            "argmax_all_positions_f64": [int(v) for v in l64.argmax(-1)],
            "greedy_new_tokens": new,
            "greedy_top1_top2_margin_f64": margins,
            "max_abs_diff_logits_f32_vs_f64": diff,
        })
    return out, worst


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_fixture(name, cfg, seed, variants=None, grads=None, notes=""):
    d = os.path.join(RES, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    for fn in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(TOKENIZER_DIR, fn), os.path.join(d, fn))
    file_weights = random_weights(cfg, seed)
    st = os.path.join(d, "model.safetensors")
    write_safetensors(st, file_weights)
    W = split_weights(cfg, {k: v.double() for k, v in file_weights.items()})
    rng = np.random.default_rng(seed)
    seqs = [[int(v) for v in rng.integers(3, VOCAB, size=n)] for n in (1, 7, 33)]
    seq_ref, worst = sequences_reference(cfg, W, seqs)
    inv, scaling, rd = rope_parameters(cfg, 33)
    ref = {
        "model_dir": name,
        "model_safetensors_sha256": sha256(st),
        "weights_dtype_in_file": "F32",
        "notes": "float64 re-implementation (src/test/python/make_family_fixtures.py); no BOS; batch 1;"
                 " greedy = argmax with full recomputation, not stopping at eos. " + notes,
        "rotary_dim": rd,
        "rope_inv_freq_f64": [float(v) for v in inv],
        "rope_attention_scaling": scaling,
        "sequences": seq_ref,
        "max_abs_diff_logits_f32_vs_f64": worst,
        "asserted_tolerance": 1e-4,
    }
    if cfg["model_type"] == "gemma3_text":
        local = layer_rope_config(cfg, sliding_layers(cfg)[0])
        ref["rope_local_inv_freq_f64"] = [float(v) for v in rope_parameters(local, 33)[0]]
        ref["sliding_layers"] = sliding_layers(cfg)
    if variants:
        ref["variants"] = {}
        for vname, patch in variants.items():
            vcfg = dict(cfg)
            vcfg.update(patch)
            vinv, vscale, _ = rope_parameters(vcfg, 33)
            vseq, vworst = sequences_reference(vcfg, W, seqs[1:])
            ref["variants"][vname] = {
                "config_patch": patch,
                "rope_inv_freq_f64": [float(v) for v in vinv],
                "rope_attention_scaling": vscale,
                "sequences": vseq,
                "max_abs_diff_logits_f32_vs_f64": vworst,
            }
    with open(os.path.join(d, "reference.json"), "w") as f:
        json.dump(ref, f)
        f.write("\n")
    if grads:
        with open(os.path.join(d, "reference_grads.json"), "w") as f:
            json.dump(grads(cfg, W), f)
            f.write("\n")
    print(name, "f32 vs f64 logits", worst, "size", os.path.getsize(st))


def summary(g, full=False, rows=None):
    flat = g.reshape(-1)
    out = {"shape": list(g.shape), "sum_abs": float(flat.abs().sum()), "sum": float(flat.sum()),
           "first5": [float(v) for v in flat[:5]]}
    if full:
        out["full"] = [float(v) for v in flat]
    if rows is not None:
        out["rows"] = {str(r): [float(v) for v in g[r]] for r in rows}
    return out


def sft_loss(cfg, W, ids, labels, lora=None):
    logits = forward(cfg, W, ids, torch.float64, lora)
    return torch.nn.functional.cross_entropy(
        logits[:, :-1].reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100)


def sft_grads(cfg, W):
    rng = np.random.default_rng(3003)
    ids = torch.tensor(rng.integers(3, VOCAB, size=(2, 12)))
    labels = ids.clone()
    labels[:, :4] = -100
    # Full fine-tuning: gradients of every weight.
    P = {k: v.clone().requires_grad_(True) for k, v in W.items()}
    loss = sft_loss(cfg, P, ids, labels)
    loss.backward()
    tokens = sorted(set(int(v) for v in ids.reshape(-1)))
    full = {}
    for name, p in P.items():
        small = p.numel() <= 256
        full[name] = summary(p.grad, full=small,
                             rows=tokens if name == "model.embed_tokens.weight" else None)
    # Central finite differences on a few entries (float64).
    fd = []
    checks = [("model.layers.0.self_attn.q_proj.weight", 11), ("model.norm.weight", 5),
              ("model.layers.1.mlp.up_proj.weight", 17)]
    for extra in ("model.layers.0.self_attn.q_norm.weight", "model.layers.1.self_attn.k_norm.weight",
                  "model.layers.0.post_feedforward_layernorm.weight"):
        if extra in W:
            checks.append((extra, 3))
    for name, idx in checks:
        eps = 1e-6
        Wp = {k: v.clone() for k, v in W.items()}
        Wm = {k: v.clone() for k, v in W.items()}
        Wp[name].view(-1)[idx] += eps
        Wm[name].view(-1)[idx] -= eps
        num = float((sft_loss(cfg, Wp, ids, labels) - sft_loss(cfg, Wm, ids, labels)) / (2 * eps))
        ana = float(P[name].grad.reshape(-1)[idx])
        fd.append({"name": name, "index": idx, "autograd": ana, "finite_difference": num,
                   "rel_err": abs(num - ana) / max(abs(ana), 1e-12)})
        assert abs(num - ana) <= 1e-6 * max(abs(ana), 1.0), fd[-1]
    # LoRA (PEFT convention: W x + (alpha / r) * B A x) on q_proj and v_proj with given A and B.
    rank, alpha = 2, 4.0
    g = torch.Generator().manual_seed(4242)
    lora = {}
    adapters = {}
    for l in range(cfg["num_hidden_layers"]):
        for proj in ("q_proj", "v_proj"):
            wname = "model.layers.%d.self_attn.%s.weight" % (l, proj)
            out_f, in_f = W[wname].shape
            a = (torch.randn(rank, in_f, generator=g, dtype=torch.float64) * 0.1).float().double()
            b = (torch.randn(out_f, rank, generator=g, dtype=torch.float64) * 0.1).float().double()
            a.requires_grad_(True)
            b.requires_grad_(True)
            lora[wname] = (a, b, alpha / rank)
            adapters[wname] = (a, b)
    lloss = sft_loss(cfg, W, ids, labels, lora)
    lloss.backward()
    lora_out = {}
    for wname, (a, b) in adapters.items():
        base = "base_model.model." + wname[:-len(".weight")]
        lora_out[base + ".lora_A.weight"] = {"value": [float(v) for v in a.detach().reshape(-1)],
                                              "shape": list(a.shape),
                                              "grad": [float(v) for v in a.grad.reshape(-1)]}
        lora_out[base + ".lora_B.weight"] = {"value": [float(v) for v in b.detach().reshape(-1)],
                                              "shape": list(b.shape),
                                              "grad": [float(v) for v in b.grad.reshape(-1)]}
    return {
        "sft": {
            "input_ids": ids.tolist(),
            "labels": labels.tolist(),
            "label_convention": "HF: labels shifted inside the loss; -100 masked; first 4 positions masked",
            "loss_reduction": "mean over non-masked targets of the batch",
            "num_target_tokens": int((labels[:, 1:] != -100).sum()),
            "loss_f64": float(loss),
            "grads_f64": full,
            "finite_difference_checks": fd,
        },
        "lora": {
            "rank": rank,
            "alpha": alpha,
            "targets": ["q_proj", "v_proj"],
            "convention": "PEFT: y = x W^T + (alpha / rank) * (x A^T) B^T; A [rank, in], B [out, rank]",
            "loss_f64": float(lloss),
            "adapters": lora_out,
        },
    }


def main():
    llama3 = {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": [2],
        "head_dim": 16,
        "hidden_act": "silu",
        "hidden_size": 64,
        "initializer_range": 0.08,
        "intermediate_size": 128,
        "max_position_embeddings": 131072,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 2,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                         "original_max_position_embeddings": 8192, "rope_type": "llama3"},
        "rope_theta": 500000.0,
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "transformers_version": "4.45.0",
        "use_cache": True,
        "vocab_size": VOCAB,
    }
    write_fixture("tiny-llama3", llama3, 7001, variants={
        "linear": {"rope_scaling": {"type": "linear", "factor": 4.0}, "rope_theta": 10000.0},
        "dynamic": {"rope_scaling": {"rope_type": "dynamic", "factor": 2.0}, "rope_theta": 10000.0,
                    "max_position_embeddings": 2048},
    }, notes="variants reuse model.safetensors with config_patch applied to config.json")
    qwen3 = {
        "architectures": ["Qwen3ForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "head_dim": 32,
        "hidden_act": "silu",
        "hidden_size": 64,
        "initializer_range": 0.08,
        "intermediate_size": 96,
        "max_position_embeddings": 40960,
        "max_window_layers": 2,
        "model_type": "qwen3",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 2,
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "rope_theta": 1000000,
        "sliding_window": None,
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "transformers_version": "4.51.0",
        "use_cache": True,
        "use_sliding_window": False,
        "vocab_size": VOCAB,
    }
    write_fixture("tiny-qwen3", qwen3, 7002, grads=sft_grads)
    hd = 16
    rd = int(hd * 0.75)
    r = np.random.default_rng(7003)
    phi3 = {
        "architectures": ["Phi3ForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "embd_pdrop": 0.0,
        "eos_token_id": 2,
        "full_attn_mod": 1,
        "hidden_act": "silu",
        "hidden_size": 64,
        "initializer_range": 0.08,
        "intermediate_size": 96,
        "interpolate_factor": 1,
        "lm_head_bias": False,
        "max_position_embeddings": 131072,
        "mlp_bias": False,
        "model_type": "phi3",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 2,
        "original_max_position_embeddings": 4096,
        "pad_token_id": 2,
        "partial_rotary_factor": 0.75,
        "resid_pdrop": 0.0,
        "rms_norm_eps": 1e-05,
        "rope_scaling": {
            "long_factor": [round(float(v), 4) for v in 1 + 30 * r.random(rd // 2)],
            "short_factor": [round(float(v), 4) for v in 1 + 2 * r.random(rd // 2)],
            "type": "longrope",
        },
        "rope_theta": 10000.0,
        "sliding_window": 262144,
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "transformers_version": "4.45.0",
        "use_cache": True,
        "vocab_size": VOCAB,
    }
    gemma2 = {
        "architectures": ["Gemma2ForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "attn_logit_softcapping": 5.0,
        "bos_token_id": 1,
        "cache_implementation": "hybrid",
        "eos_token_id": [2],
        "final_logit_softcapping": 3.0,
        "head_dim": 32,
        "hidden_act": "gelu_pytorch_tanh",
        "hidden_activation": "gelu_pytorch_tanh",
        "hidden_size": 64,
        "initializer_range": 0.08,
        "intermediate_size": 96,
        "max_position_embeddings": 8192,
        "model_type": "gemma2",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 2,
        "pad_token_id": 0,
        "query_pre_attn_scalar": 24,
        "rms_norm_eps": 1e-06,
        "rope_theta": 10000.0,
        "sliding_window": 8,
        "torch_dtype": "float32",
        "transformers_version": "4.42.4",
        "use_cache": True,
        "vocab_size": VOCAB,
    }
    write_fixture("tiny-gemma2", gemma2, 7005, grads=sft_grads,
                  notes="soft-capping values scaled down (real: 50 and 30) so that they bend the"
                        " logits of random weights; sliding_window 8 (real 4096): layer 0 attends"
                        " to the last 8 positions only")
    gemma3 = {
        "architectures": ["Gemma3ForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "attn_logit_softcapping": None,
        "bos_token_id": 1,
        "cache_implementation": "hybrid",
        "eos_token_id": [2],
        "final_logit_softcapping": None,
        "head_dim": 32,
        "hidden_activation": "gelu_pytorch_tanh",
        "hidden_size": 64,
        "initializer_range": 0.08,
        "intermediate_size": 96,
        "max_position_embeddings": 32768,
        "model_type": "gemma3_text",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 1,
        "pad_token_id": 0,
        "query_pre_attn_scalar": 32,
        "rms_norm_eps": 1e-06,
        "rope_local_base_freq": 10000,
        "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
        "rope_theta": 1000000,
        "sliding_window": 8,
        "sliding_window_pattern": 2,
        "torch_dtype": "float32",
        "transformers_version": "4.50.0.dev0",
        "use_cache": True,
        "vocab_size": VOCAB,
    }
    write_fixture("tiny-gemma3", gemma3, 7006, grads=sft_grads,
                  notes="layer 0 sliding (rope_local_base_freq, default RoPE), layer 1 global"
                        " (rope_theta, rope_scaling linear 8); sliding_window 8 (real 512)")
    write_fixture("tiny-phi3", phi3, 7004,
                  notes="qkv_proj rows = q, k, v; gate_up_proj rows = gate, up; short_factor applies"
                        " (sequences <= original_max_position_embeddings)")


if __name__ == "__main__":
    sys.exit(main())
