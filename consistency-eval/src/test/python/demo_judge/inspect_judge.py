import json, re, collections, sys
d = sys.argv[1]
tok = json.load(open(d + '/base-model/tokenizer.json'))
vocab = tok['model']['vocab']
def enc(t): return [vocab.get(w, 0) for w in re.findall(r"\w+|[^\w\s]+", t.lower())]
rows = [json.loads(l) for l in open(d + '/data/judge.jsonl')]
print('rows', len(rows))
lab = collections.Counter(r['completion'] for r in rows); print('labels', lab)
unk = [r for r in rows if 0 in enc(r['prompt'] + r['completion'])]
print('rows with unk', len(unk), unk[:3])
lens = [len(enc(r['prompt'] + r['completion'])) for r in rows]; print('max len', max(lens))
by = collections.defaultdict(set)
for r in rows: by[r['prompt']].add(r['completion'])
print('distinct prompts', len(by), 'conflicting', sum(1 for v in by.values() if len(v) > 1))
# per task: first line of instruction identifies task
task = lambda p: p.split('\n')[1]
pt = collections.defaultdict(collections.Counter)
for r in rows: pt[task(r['prompt'])][r['completion']] += 1
for k, v in pt.items(): print(k[:40], dict(v))
# own answers: the first of each pair
own = rows[0::2] if False else None
# proposals
props = collections.Counter(r['prompt'].split('\n')[0] for r in rows)
print('proposals not single word', [p for p in props if len(p.split()) != 3][:10])
