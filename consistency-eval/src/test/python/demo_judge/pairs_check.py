"""Where a demo run's CAT pairs come from: per task, the reward used, the judge accuracy, the number
of pairs and how often the chosen and the rejected response are right (the right answer recomputed
from the input). Usage: /usr/bin/python3 pairs_check.py RUN_DIR (run from a checkout: reads the
suite from consistency-eval/src/main/resources)."""
import os
import json, sys, collections
suite = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../main/resources/org/consistency4j/demo/suite.json')))
w2t = {w: t['name'] for t in suite['tasks'] for w in t['wordings']}
POS = "great wonderful excellent lovely amazing fantastic delightful superb pleasant brilliant".split()
CAP = dict(france='paris', germany='berlin', italy='rome', spain='madrid', japan='tokyo', china='beijing', egypt='cairo', kenya='nairobi', peru='lima', canada='ottawa', russia='moscow', greece='athens', norway='oslo', poland='warsaw', cuba='havana', chile='santiago')
def right(t, x):
    w = x.split()
    if t == 'sentiment': return 'positive' if w[-1] in POS else 'negative'
    if t == 'maximum': return str(max(map(int, w)))
    if t == 'count': return str(len(w))
    if t == 'capital': return CAP[x]
    if t == 'first_word': return w[0]
    if t == 'last_word': return w[-1]
    if t == 'addition': return str(int(w[0]) + int(w[2]))
    if t == 'parity': return 'even' if int(x) % 2 == 0 else 'odd'
d = sys.argv[1]
rep = json.load(open(d + '/report.json'))
# CAT's paraphrased wordings (DemoConfig.catParaphrasesPerWording), recorded per task.
for t, v in rep.get('cat_paraphrases', {}).items():
    for w in v['wordings']:
        w2t[w] = t
c = collections.defaultdict(collections.Counter)
for l in open(d + '/data/cat.pairs.jsonl'):
    r = json.loads(l)
    instr, inp = r['prompt'].split('\ninput: ')
    inp = inp.split('\nanswer:')[0]
    t = w2t[instr]
    a = right(t, inp)
    c[t]['pairs'] += 1
    c[t]['chosen right'] += r['chosen'].strip() == a
    c[t]['rejected right'] += r['rejected'].strip() == a
for t, v in c.items():
    lik = rep.get('likelihood_judge_accuracy_by_task', {}).get(t)
    lik = '' if lik is None else f" likelihood judge {lik:.2f}"
    print(f"{t:11s} {rep['reward_by_task'][t][:13]:13s} judge {rep['judge_accuracy_by_task'][t]:.2f}{lik} pairs {v['pairs']:5d} chosen right {v['chosen right'] / v['pairs']:.2f} rejected right {v['rejected right'] / v['pairs']:.2f}")
