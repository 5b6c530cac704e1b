"""PyTorch reference for the demo's judge phase (issue 14): a Llama of the demo's shape (read from
RUN_DIR/base-model/config.json, weights from safetensors), trained on a demo data file
(prompt/completion JSONL) with the demo's SFT settings (AdamW, weight decay 0, linear decay after 20
warm-up steps, batch 32; the completion tokens plus EOS are the targets), independent of
consistency4j. Prints the initial loss, the mean training loss per 100 steps, the first-token accuracy
on the training data and, with TEST.jsonl, the yes/no accuracy per task on it.

Usage: /usr/bin/python3 ref.py RUN_DIR DATA.jsonl INIT EPOCHS LR SEED [TEST.jsonl [MIX.jsonl]]
  INIT: base (RUN_DIR/base-model), sft_ia (RUN_DIR/sft_ia/model), random, or an absolute model dir
  env CLIP=G clips the global gradient norm to G (consistency4j's default is 1); BUCKET=W sorts
  windows of W batches by length as consistency4j's Batching does (its default W is 32).
See README.md next to this file for the runs and their outputs."""
import json, re, struct, sys, math, random
import torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1)
import os
CLIP = float(os.environ.get('CLIP', '0'))
BUCKET = int(os.environ.get('BUCKET', '0'))
run, data, init, epochs, lr, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
testf = sys.argv[7] if len(sys.argv) > 7 else None
mix = sys.argv[8] if len(sys.argv) > 8 else None
torch.manual_seed(seed); random.seed(seed)
vocab = json.load(open(run + '/base-model/tokenizer.json'))['model']['vocab']
def enc(t): return [vocab.get(w, 0) for w in re.findall(r"\w+|[^\w\s]+", t.lower())]
cfg = json.load(open(run + '/base-model/config.json'))
H, L, NH, I, V = cfg['hidden_size'], cfg['num_hidden_layers'], cfg['num_attention_heads'], cfg['intermediate_size'], cfg['vocab_size']
D = H // NH

def load_st(path):
    f = open(path, 'rb'); n = struct.unpack('<Q', f.read(8))[0]; h = json.loads(f.read(n)); buf = f.read()
    out = {}
    for k, v in h.items():
        if k == '__metadata__': continue
        a, b = v['data_offsets']
        out[k] = torch.frombuffer(bytearray(buf[a:b]), dtype=torch.float32).reshape(v['shape']).clone()
    return out

class RMS(nn.Module):
    def __init__(s): super().__init__(); s.weight = nn.Parameter(torch.ones(H))
    def forward(s, x): return s.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5)

def rope(x, pos):
    inv = 1.0 / (10000 ** (torch.arange(0, D, 2).float() / D))
    f = pos[:, None].float() * inv[None]; emb = torch.cat([f, f], -1)
    cos, sin = emb.cos(), emb.sin()
    x1, x2 = x[..., :D // 2], x[..., D // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin

class Layer(nn.Module):
    def __init__(s):
        super().__init__()
        s.input_layernorm = RMS(); s.post_attention_layernorm = RMS()
        s.q = nn.Linear(H, H, bias=False); s.k = nn.Linear(H, H, bias=False); s.v = nn.Linear(H, H, bias=False); s.o = nn.Linear(H, H, bias=False)
        s.gate = nn.Linear(H, I, bias=False); s.up = nn.Linear(H, I, bias=False); s.down = nn.Linear(I, H, bias=False)
    def forward(s, x):
        B, T, _ = x.shape; pos = torch.arange(T)
        h = s.input_layernorm(x)
        q = rope(s.q(h).view(B, T, NH, D).transpose(1, 2), pos)
        k = rope(s.k(h).view(B, T, NH, D).transpose(1, 2), pos)
        v = s.v(h).view(B, T, NH, D).transpose(1, 2)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(D)
        att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float('-inf'))
        a = att.softmax(-1) @ v
        x = x + s.o(a.transpose(1, 2).reshape(B, T, H))
        h = s.post_attention_layernorm(x)
        return x + s.down(F.silu(s.gate(h)) * s.up(h))

class Llama(nn.Module):
    def __init__(s):
        super().__init__()
        s.embed = nn.Embedding(V, H); s.layers = nn.ModuleList([Layer() for _ in range(L)]); s.norm = RMS(); s.head = nn.Linear(H, V, bias=False)
    def forward(s, ids):
        x = s.embed(ids)
        for l in s.layers: x = l(x)
        return s.head(s.norm(x))
    def load(s, w):
        m = {'embed.weight': 'model.embed_tokens.weight', 'norm.weight': 'model.norm.weight', 'head.weight': 'lm_head.weight'}
        for i in range(L):
            p = f'model.layers.{i}.'
            for a, b in [('q', 'self_attn.q_proj'), ('k', 'self_attn.k_proj'), ('v', 'self_attn.v_proj'), ('o', 'self_attn.o_proj'), ('gate', 'mlp.gate_proj'), ('up', 'mlp.up_proj'), ('down', 'mlp.down_proj')]:
                m[f'layers.{i}.{a}.weight'] = p + b + '.weight'
            m[f'layers.{i}.input_layernorm.weight'] = p + 'input_layernorm.weight'
            m[f'layers.{i}.post_attention_layernorm.weight'] = p + 'post_attention_layernorm.weight'
        s.load_state_dict({k: w[v] for k, v in m.items()})

model = Llama()
if init != 'random':
    model.load(load_st(init + '/model/model.safetensors' if init.startswith('/') else run + ('/base-model/model.safetensors' if init == 'base' else '/' + init + '/model/model.safetensors')))
rows = [json.loads(l) for l in open(data)]
EOS = 2
if mix:
    mixrows = [json.loads(l) for l in open(mix)]
    random.Random(seed).shuffle(mixrows)
    rows = rows + mixrows[:len(rows)]
ex = [(enc(r['prompt']), enc(r['completion']) + [EOS]) for r in rows]
def batch(items):
    T = max(len(p) + len(c) for p, c in items)
    ids = torch.full((len(items), T), 3); lab = torch.full((len(items), T), -100)
    for b, (p, c) in enumerate(items):
        x = p + c; ids[b, :len(x)] = torch.tensor(x)
        lab[b, len(p) - 1:len(x) - 1] = torch.tensor(c)
    return ids, lab
def loss_of(ids, lab):
    lg = model(ids); return F.cross_entropy(lg.reshape(-1, V), lab.reshape(-1), ignore_index=-100)
bs = 32; steps_per = math.ceil(len(ex) / bs); total = steps_per * epochs
opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: s / 20 if s < 20 else max(0.0, (total - s) / (total - 20)))
with torch.no_grad():
    print('initial loss on data', float(sum(loss_of(*batch(ex[i:i + 64])) for i in range(0, len(ex), 64)) / math.ceil(len(ex) / 64)), flush=True)
step = 0; acc = []
for e in range(epochs):
    order = list(range(len(ex))); random.shuffle(order)
    if BUCKET:
        bl = []
        for w in range(0, len(order), bs * BUCKET):
            chunk = sorted(order[w:w + bs * BUCKET], key=lambda j: (len(ex[j][0]) + len(ex[j][1]), j))
            bl += [chunk[b:b + bs] for b in range(0, len(chunk), bs)]
        random.shuffle(bl)
        order = [j for b in bl for j in b]
    for i in range(0, len(order), bs):
        ids, lab = batch([ex[j] for j in order[i:i + bs]])
        l = loss_of(ids, lab); opt.zero_grad(); l.backward()
        if CLIP: torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step(); sched.step(); step += 1
        acc.append(float(l))
        if step % 100 == 0: print(f'step {step} mean loss {sum(acc[-100:]) / 100:.3f}', flush=True)
# verdict accuracy on the training data (first completion token)
with torch.no_grad():
    ok = n = 0
    for i in range(0, len(ex), 64):
        ids, lab = batch(ex[i:i + 64]); lg = model(ids)
        for b, (p, c) in enumerate(ex[i:i + 64]):
            ok += int(lg[b, len(p) - 1].argmax()) == c[0]; n += 1
    print('train first-token accuracy', ok / n)

if testf:
    import collections
    trows = [json.loads(l) for l in open(testf)]
    tex = [(enc(r['prompt']), enc(r['completion']) + [EOS]) for r in trows]
    ok = collections.Counter(); n = collections.Counter()
    YES, NO = vocab['yes'], vocab['no']
    with torch.no_grad():
        for i in range(0, len(tex), 64):
            ids, lab = batch(tex[i:i + 64]); lg = model(ids)
            for b, (p, c) in enumerate(tex[i:i + 64]):
                t = trows[i + b].get('task', '')[:12]
                pred = YES if lg[b, len(p) - 1, YES] >= lg[b, len(p) - 1, NO] else NO
                ok[t] += pred == c[0]; n[t] += 1
    print('held-out judge accuracy', sum(ok.values()) / sum(n.values()), {t: round(ok[t] / n[t], 2) for t in n})
    if mix:
        # task accuracy on the mixed-in SFT data's tail (not trained on)
        pass
