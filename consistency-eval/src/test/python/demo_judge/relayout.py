"""Re-lays out the demo's judge.jsonl (proposed answer first) into another format; splits by instance
(pairs of consecutive lines) 80/20 into train/test. Usage: relayout.py judge.jsonl FORMAT OUTPREFIX"""
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
fmt = sys.argv[2]
out = []
for r in rows:
    lines = r['prompt'].split('\n')
    x = lines[0][len('proposed answer: '):]; instr = lines[1]; inp = lines[2][len('input: '):]
    if fmt == 'F0':
        p = r['prompt']
    elif fmt == 'F2':  # verdict predicted at the proposed answer's own position
        p = f"{instr}\ninput: {inp}\nanswer: {x}"
    elif fmt == 'F1':  # a cue after the proposed answer
        p = f"{instr}\ninput: {inp}\nanswer: {x}\nis the answer ?"
    elif fmt == 'F4':  # proposed answer right before the cue
        p = f"{instr}\ninput: {inp}\nproposed answer: {x}\nanswer:"
    out.append({'prompt': p, 'completion': r['completion'], 'task': instr})
# split: instance = the same instr+input
keys = []
for o, r in zip(out, rows):
    lines = r['prompt'].split('\n'); keys.append(lines[1] + '|' + lines[2])
uniq = list(dict.fromkeys(keys)); test = set(uniq[i] for i in range(0, len(uniq), 5))
with open(sys.argv[3] + '.train.jsonl', 'w') as f, open(sys.argv[3] + '.test.jsonl', 'w') as g:
    for o, k in zip(out, keys):
        (g if k in test else f).write(json.dumps(o) + '\n')
