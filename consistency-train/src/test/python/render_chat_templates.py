#!/usr/bin/python3
"""Renders the reference chat templates exactly as Hugging Face transformers does.

Run with Debian's python3 and its python3-jinja2 package (not a pyenv python3):

    /usr/bin/python3 consistency-train/src/test/python/render_chat_templates.py

Reads consistency-train/src/test/resources/chat-templates/templates/*.json (the chat_template and
special-token fields of real tokenizer_config.json files, see the README there) and writes
references.json beside that folder: for every (template, conversation) the rendered text, or the
error (raise_exception's TemplateError, or a Python error such as a TypeError) with its type; and
for every one-feature template of FEATURES the same, where a feature whose output shows a memory
address (Jinja2 printing a generator, say) is recorded as the error NondeterministicOutput. ChatTemplateParityTest asserts that the Java
engine renders every case byte for byte the same way, fails where Jinja2 fails, and passes on the
message of raise_exception.

The environment follows transformers' chat template setup: ImmutableSandboxedEnvironment with
trim_blocks, lstrip_blocks, the loopcontrols extension and the generation tag; a tojson filter that is json.dumps with
ensure_ascii=False (and indent, separators, sort_keys passed through); the globals
raise_exception(message) and strftime_now(format); the render variables messages, tools (None
unless a case gives tools), documents=None, add_generation_prompt and the special tokens of the
tokenizer config (bos_token, eos_token, ... when set). strftime_now uses the fixed time NOW below
instead of the wall clock so that the references are reproducible; the Java test pins the same time.
"""

import datetime
import json
import os
import re
import sys

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.join(HERE, "..", "resources", "chat-templates")
SPECIAL_TOKENS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]
# How Python prints an object without a repr of its own, e.g. <generator object do_map at 0x7f...>.
MEMORY_ADDRESS = re.compile(r" at 0x[0-9a-f]+>")
# The time strftime_now sees (local time, as datetime.now() would return it).
NOW = datetime.datetime(2024, 9, 5, 14, 7, 3)

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_current_temperature",
            "description": "Get the current temperature at a location.",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {"type": "string", "description": "The location, as \"City, Country\""},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                },
                "required": ["location"],
            },
        },
    }
]

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}
U1 = {"role": "user", "content": "What is the capital of France?"}
A1 = {"role": "assistant", "content": "The capital of France is Paris."}
U2 = {"role": "user", "content": "And of Japan?"}

# name -> (messages, add_generation_prompt, extra render variables)
CONVERSATIONS = {
    "user_only_generation_prompt": ([U1], True, {}),
    "user_only_no_generation_prompt": ([U1], False, {}),
    "system_and_user": ([SYSTEM, U1], True, {}),
    "multi_turn_generation_prompt": ([U1, A1, U2], True, {}),
    "multi_turn_no_generation_prompt": ([U1, A1, U2], False, {}),
    "system_multi_turn_complete": ([SYSTEM, U1, A1, U2, {"role": "assistant", "content": "Tokyo."}], False, {}),
    "non_ascii": (
        [
            {"role": "system", "content": "Réponds en français, s'il te plaît. «Ça va?»"},
            {"role": "user", "content": "東京の天気は？ Ünïcödé ✓ 🙂👍🏽 \u00a0nbsp"},
            {"role": "assistant", "content": "晴れです 🌞 — très bien."},
            {"role": "user", "content": "Ελληνικά, русский, עברית, हिन्दी"},
        ],
        True,
        {},
    ),
    "whitespace_and_quotes": (
        [
            {"role": "user", "content": "  padded with spaces\n\tand a tab  \n"},
            {"role": "assistant", "content": "\n  \"quoted\" and 'single' {{ not a tag }} {% raw %}\\n  "},
            {"role": "user", "content": "<|im_end|> looks special but is text\r\nline2"},
        ],
        True,
        {},
    ),
    "assistant_first_breaks_alternation": ([A1, U1], True, {}),
    "two_users_in_a_row": ([U1, U2], True, {}),
    "tools_given": ([SYSTEM, U1], True, {"tools": TOOLS}),
    "thinking_disabled": ([U1, A1, U2], True, {"enable_thinking": False}),
}


class GenerationBlock(jinja2.ext.Extension):
    """transformers' {% generation %}...{% endgeneration %} tag: its body renders unchanged (transformers
    also records where the block's text lies, for assistant masks, which these references do not need)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


# Small templates that pin one Jinja2/Python behaviour each, rendered with FEATURE_CONTEXT.
FEATURE_CONTEXT = {
    "messages": [U1, A1, U2],
    "add_generation_prompt": True,
    "bos_token": "<s>",
    "d": {"a": 1, "items": [1, 2], "nested": {"k": "v"}},
    "text": "  Héllo, 世界 🙂!  ",
}
FEATURES = [
    "{% set x = 0 %}{% for i in [1,2] %}{{ x }}{% set x = x + 1 %}{{ x }}{% endfor %}{{ x }}",
    "{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}",
    "{{ none }}|{{ true }}|{{ false }}|{{ [1, 'a', none, 1.5, {'k': 'v'}, (1,), ()] }}|{{ {'a': [true]} }}",
    "{{ 1e9 }}|{{ 10/4 }}|{{ 7//2 }}|{{ -7//2 }}|{{ -7 % 3 }}|{{ 2**10 }}|{{ 1.0 }}|{{ 1e-5 }}|{{ 1e16 }}|{{ 0.1+0.2 }}|{{ 123456.789 }}|{{ 7.0 // 2 }}|{{ -7.5 % 2 }}",
    "{{ 'x' * 3 }}|{{ 3 * 'ab' }}|{{ [1] * 2 }}|{{ 'a' ~ 1 ~ none ~ true ~ u }}|{{ 1 + true }}",
    "{{ 'x' * 1e9 }}",
    "{{ 'a' + 1 }}",
    "{{ u + 'a' }}",
    "{{ u.attr }}",
    "[{{ u }}]{{ u | length }}{{ u is iterable }}{% for a in u %}x{% endfor %}{{ u == u }}{{ u == none }}{{ u is defined }}",
    "{{ [1,2,3][::-1] }}{{ 'hello'[1:-1] }}{{ 'hello'[::-2] }}{{ [1,2][5] }}|{{ d['zz'] }}|{{ [1,2,3,4,5][-2:] }}{{ [1,2,3,4,5][:-6:-2] }}{{ text[-3:] }}{{ text[::-1] }}",
    "{{ d | tojson }}|{{ text | tojson }}|{{ d | tojson(indent=2) }}|{{ d | tojson(indent='\t', sort_keys=true) }}|{{ [] | tojson(indent=2) }}|{{ {'q': 'a\"b\\\\c\n\u0001'} | tojson }}|{{ 1.5 | tojson }}|{{ none | tojson }}",
    "{{ d | tojson(separators=(',', ':')) }}|{{ text | tojson(ensure_ascii=true) }}",
    "{{ 'ab'.foo }}|{{ 'ab'.foo() }}",
    "{{ 'x'.repeat(3) }}",
    "{{ [].append(1) }}",
    "{{ d.get('a') }}|{{ d.get('zz') }}|{{ d.get('zz', 3) }}|{{ d.keys() | list }}|{{ d.values() | list }}|{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
    "{{ 'Hello' if false }}|{{ 'a' if true else 'b' }}|{{ (1, 2) }}|{{ 1 if 0 else 2 if 0 else 3 }}",
    "{{ 3 == 3.0 }}{{ 'a' < 'b' }}{{ 1 < 2 < 3 }}{{ [1] == [1] }}{{ 1 < 2 > 5 }}{{ 'b' in 'abc' }}{{ 'k' in {'k': 1} }}{{ 2 not in [1] }}",
    "{% for a in [1,2,3,4] %}{% if a == 2 %}{% continue %}{% endif %}{% if a == 4 %}{% break %}{% endif %}{{ a }}{{ loop.index }}{{ loop.previtem }}{% endfor %}",
    "{% for m in messages %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.cycle('a', 'b') }}{{ loop.nextitem.role if loop.nextitem is defined }};{% endfor %}",
    "{% for m in messages if m.role == 'user' %}{{ loop.index }}/{{ loop.length }}:{{ m.content }};{% else %}none{% endfor %}|{% for x in [] %}x{% else %}empty{% endfor %}",
    "{{ text.strip() }}|{{ text.lstrip() }}|{{ text.rstrip() }}|{{ text.strip(' !') }}|{{ text | trim }}|{{ text.upper() }}|{{ text.lower() }}|{{ text.title() }}|{{ 'hELLO wORLD'.capitalize() }}|{{ 'hello-world x' | title }}|{{ 'abc' | capitalize }}",
    "{{ 'abc'.split() }}{{ ' a  b '.split() }}{{ 'a,b,,c'.split(',') }}{{ 'a,b,c'.split(',', 1) }}{{ 'a,b,c'.rsplit(',', 1) }}{{ 'x</think>y</think>z'.split('</think>')[-1] }}",
    "{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}{{ 'abc'.replace('b', 'BB') }}{{ 'aaa'.replace('a', 'b', 2) }}{{ 'abcabc'.find('c') }}{{ 'abcabc'.count('bc') }}{{ '-'.join(['a', 'b']) }}",
    "{{ messages | length }}|{{ messages | first }}|{{ (messages | last).content }}|{{ messages | map(attribute='role') | join(', ') }}|{{ messages | selectattr('role', 'equalto', 'user') | list | length }}|{{ messages | rejectattr('role', 'equalto', 'user') | map(attribute='content') | list }}",
    "{{ [1, 2, 3] | select('odd') | list }}{{ [1, 2, 3] | reject('odd') | list }}{{ [3, 1, 2] | sort }}{{ ['b', 'A', 'c'] | sort }}{{ [1, 2, 3] | sum }}{{ [1, 5, 3] | max }}{{ [1, 2, 3] | min }}{{ [1, 1, 2] | unique | list }}{{ [1, 2] | reverse | list }}{{ 'abc' | reverse }}",
    "{{ u | default('dflt') }}|{{ '' | default('dflt') }}|{{ '' | default('dflt', true) }}|{{ none | default('x') }}|{{ '3' | int }}|{{ 'x' | int }}|{{ '2.5' | float }}|{{ -3 | abs }}|{{ 2.567 | round(2) }}|{{ 2 | string }}|{{ 'a\nb' | indent(2) }}|{{ 'a\nb' | indent(2, true) }}|{{ '<a>' | e }}",
    "{{ d | items | list }}|{{ d | dictsort }}|{{ 'ab' | list }}|{{ d | list }}",
    "{{ x is string }}{{ 3 is number }}{{ true is number }}{{ true is integer }}{{ 3 is integer }}{{ 1.5 is float }}{{ 'abc' is iterable }}{{ 'abc' is sequence }}{{ {} is mapping }}{{ none is none }}{{ true is boolean }}{{ false is false }}{{ 4 is divisibleby 2 }}{{ 3 is odd }}{{ 2 is even }}{{ 'a' is in 'abc' }}{{ 3 is eq 3 }}{{ 3 is ne(3) }}{{ 'abc' is lower }}{{ raise_exception is callable }}",
    "{{ range(5) | list }}|{{ range(1, 10, 3) | list }}|{{ range(5, 0, -2) | list }}",
    "{{ range(200000) | length }}",
    "{{ raise_exception('custom failure: ' ~ messages | length) }}",
    "{{ strftime_now('%Y-%m-%d %H:%M:%S %a %A %b %B %d %-d %j %I %p %y %%') }}",
    "{% set a, b = [1, 2] %}{{ a }}{{ b }}{% set t %}captured {{ a }}{% endset %}[{{ t }}]",
    "{% if messages[0]['role'] == 'user' -%}\n   yes  \n{%- endif %}\n   {% if true %}\nline\n    {% endif %}\n  {{ 'v' }}  \n{# c #}\n   {#- c2 #}  end\n",
    "  {%+ if true %}keep{% endif +%}\n{% raw %}{{ not rendered }}{% endraw %}\n",
    "{% for m in messages %}\n  {% if m.role == 'user' %}\n    U:{{ m.content }}\n  {% else %}\n    A:{{ m.content }}\n  {% endif %}\n{% endfor %}",
    "{{ 'a' }}{{- '  b  ' -}}  {{ 'c' }}\n  {{- 'd' }}",
    "{{ {'a': 1}.a }}|{{ d.nested.k }}|{{ d['nested']['k'] }}|{{ messages[0].role }}|{{ messages.0.role }}|{{ d.items | length if d.items is defined }}",
    "{{ 'é' | length }}{{ '🙂x' | length }}{{ '🙂x'[0] }}{{ '🙂x'[1:] }}",
    "{% set ns = namespace(a=1) %}{% set ns.b = 'x' %}{{ ns.a }}{{ ns.b }}{{ ns.c is defined }}",
    "{% set x = 1 %}{% set x.y = 2 %}",
    "{{ -(3) }}{{ not true }}{{ not none }}{{ (1 and 'a') }}{{ (0 or 'b') }}{{ (none or []) }}",
    "{{ [1,2] + [3] }}{{ (1,) + (2,) }}{{ 'ab' < 'b' }}{{ [1,2] < [1,3] }}",
    "{{ 1 < 'a' }}",
    "{{ 5 // 0 }}",
    "{{ 'x' in 3 }}",
    "{{ undefined_function(1) }}",
    "{{ messages | sum }}",
    "{% set a = 1 %}{% macro m(x, y='d') %}[{{ a }}{{ b }}{{ x }}{{ y }}]{% endmacro %}{% set b = 2 %}{{ m(3) }}{{ m(1, 2) }}{{ m(x=5, y=6) }}{{ m() }}",
    "{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}|{% for i in [1,2] %}{% macro g() %}{{ i }}{% endmacro %}{{ g() }}{% endfor %}",
    "{% macro m(x) %}{% set x = x + 1 %}{{ x }}{% endmacro %}{% set x = 10 %}{{ m(1) }}{{ x }}|{% macro v() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ v(1, 2, k=3) }}",
    "{% macro m(a) %}\n  x {{ a }}\n{% endmacro %}[{{ m(1) }}]{{ m(1) | trim }}",
    "{% macro m(a) %}x{% endmacro %}{{ m(1, 2) }}",
    "{% macro m(a) %}x{% endmacro %}{{ m(b=2) }}",
    "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    # select, reject, selectattr, rejectattr, map, unique, items and reverse return lazy iterators
    # (generators): they iterate, consumed once, but have no len() and print as a memory address.
    "{% for m in messages | selectattr('role', 'equalto', 'user') %}{{ m.content }};{% endfor %}|{{ messages | rejectattr('role', 'equalto', 'user') | map(attribute='role') | join(',') }}|{{ [3, 1, 2] | select | sort }}{{ [1, 2] | map('string') | reverse | list }}{{ [1, 2, 2] | select | unique | list }}{{ [1, 2] | select | sum }}{{ [1, 2] | select | max }}{{ [1, 2] | reject('odd') | first }}{{ [1] | select('even') | first is defined }}",
    "{% set g = [1, 2, 3] | select('odd') %}{{ g | list }}{{ g | list }}|{% set h = [1, 2, 3] | map('string') %}{{ h | first }}{{ h | list }}{{ '3' in h }}|{% set g = [1, 2, 3, 4] | reject('odd') %}{{ 2 in g }}{{ g | list }}|{{ g is iterable }}{{ g is sequence }}{{ g is mapping }}{{ g is string }}|{% for x in g %}x{% else %}empty{% endfor %}",
    "{% set g = [1, 2, 3, 4] | select %}{% for x in g %}{{ x }}{% break %}{% endfor %}{{ g | list }}|{% set g = [1, 2, 3, 4] | select %}{% for x in g %}{{ x }}{{ loop.last }}{% if x == 2 %}{% break %}{% endif %}{% endfor %}{{ g | list }}|{% set g = [1, 2, 3, 4] | select %}{% for x in g %}{{ loop.nextitem }}{% break %}{% endfor %}{{ g | list }}|{% set g = [1, 2, 3, 4] | select %}{% for x in g %}{{ loop.length }}{% break %}{% endfor %}{{ g | list }}|{% set g = [1, 2, 3] | map('string') %}{% for x in g %}{% endfor %}{{ g | list }}|{% set g = [1, 2, 3] | select %}{% for x in g %}{{ loop.revindex }}{% break %}{% endfor %}{{ g | list }}{% set g = [1, 2, 3] | select %}{% for x in g %}{{ loop.previtem }}{{ loop.first }}{{ loop.cycle(1, 2) }}{% break %}{% endfor %}{{ g | list }}",
    "{% set g = [1, 2, 3, 4, 5] | select %}{% for x in g if x > 1 %}{{ x }}{% break %}{% endfor %}{{ g | list }}|{% set g = [1, 2, 3, 4, 5] | select %}{% for x in g if x is odd %}{{ x }}{{ loop.last }}{% break %}{% endfor %}{{ g | list }}|{% set g = [1, 2, 3] | select %}{% for x in g if x > 2 %}{{ loop.last }}{% break %}{% endfor %}{{ g | list }}",
    "{{ [1, 'a'] | select('odd') | first }}|{% set g = [1, 'a'] | select('odd') %}{{ 'ok' if g }}",
    "{{ [1, 2, 3] | select('odd') | length }}",
    "{{ messages | selectattr('role', 'equalto', 'user') | length }}",
    "{{ messages | rejectattr('role', 'equalto', 'user') | count }}",
    "{{ messages | map(attribute='role') | length }}",
    "{{ [1, 2, 3] | reject('odd') | length }}",
    "{{ [1, 1] | unique | length }}",
    "{{ d | items | length }}",
    "{{ [1, 2] | reverse | length }}",
    "{{ [1, 2, 3] | map('string') | last }}",
    "{{ [1, 2, 3] | select('odd') }}",
    "{{ 'a' ~ ([1, 2, 3] | select('odd')) }}",
    "{{ d.keys() == d.keys() }}{{ d.values() == d.values() }}{{ d.items() == d.items() }}{{ d.keys() == ['a', 'items', 'nested'] }}{{ {'a': 1}.items() == {'a': 1}.items() }}{{ {'a': 1}.keys() != {'b': 1}.keys() }}",
    "{{ [1] | map('string') ~ 'x' }}",
    "{{ [[1] | select] }}",
    "{{ [1, 2] | select | string }}",
    "{{ messages | map(attribute='role') | join(', ') ~ (messages | selectattr('role')) }}",
    "{{ [1, 2] | reverse }}",
    "{{ [1, 2] | select | tojson }}",
    # dict.items(), keys() and values() are views: they print with their type name and have a length.
    "{{ d.items() }}|{{ d.keys() }}|{{ d.values() }}|{{ d.items() | length }}{{ d.keys() | length }}{{ d.values() | count }}|{{ d.items() | list }}|{{ d.keys() | first }}{{ d.values() | last }}|{{ 'a' in d.keys() }}{{ 1 in d.values() }}{{ ('a', 1) in d.items() }}{{ 'zz' in d.keys() }}|{{ d.keys() | join(',') }}{{ d.keys() is iterable }}{{ d.keys() is sequence }}{{ d.keys() is mapping }}|{% for k in d.keys() %}{{ k }}{% endfor %}{{ d.keys() | sort }}{{ 'x' ~ d.values() }}{{ [d.keys()] }}{{ d.keys() | list | length }}",
    "{{ {}.items() }}{{ {}.keys() | length }}{{ {}.values() }}{{ {}.items() | list }}{{ 'yes' if d.items() }}{{ 'no' if {}.keys() else 'empty' }}{{ d.items() | reverse | list }}{{ d.keys() | string }}",
    "{% set g = [1, 2] | select %}[{{ g[0] }}][{{ d.keys()[0] }}][{{ g.x }}][{{ d.items().x }}]{{ g[0] is defined }}{{ d.values()[0] is defined }}|{{ (d.keys() | list)[0] }}{{ d.items() | first | first }}",
    "{{ d.keys()[0].x }}",
    "{{ d.items() | tojson }}",
    "{{ d.keys() | tojson }}",
    "{{ d.values() | tojson }}",
]


def environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return NOW.strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationBlock, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    env = environment()
    folder = os.path.join(RESOURCES, "templates")
    cases = []
    for file in sorted(os.listdir(folder)):
        if not file.endswith(".json"):
            continue
        with open(os.path.join(folder, file), encoding="utf-8") as f:
            config = json.load(f)
        template = env.from_string(config["chat_template"])
        tokens = {k: config[k] for k in SPECIAL_TOKENS if config.get(k) is not None}
        for name, (messages, add_generation_prompt, extra) in CONVERSATIONS.items():
            variables = {"tools": None, "documents": None, **extra}
            case = {
                "template": file[: -len(".json")],
                "conversation": name,
                "messages": messages,
                "add_generation_prompt": add_generation_prompt,
                "variables": extra,
            }
            try:
                case["rendered"] = template.render(
                    messages=messages, add_generation_prompt=add_generation_prompt, **variables, **tokens)
            except Exception as e:  # raise_exception (TemplateError) or a Python error such as TypeError
                case["error"] = str(e)
                case["error_type"] = type(e).__name__
            cases.append(case)
    features = []
    for source in FEATURES:
        feature = {"template": source}
        try:
            rendered = env.from_string(source).render(**FEATURE_CONTEXT)
            if MEMORY_ADDRESS.search(rendered):
                # Jinja2 prints an object's memory address (a generator, say): not reproducible, so
                # the Java engine must fail instead. The address is masked to keep this file stable.
                feature["error"] = "prints a memory address: " + MEMORY_ADDRESS.sub(" at 0x...>", rendered)
                feature["error_type"] = "NondeterministicOutput"
            else:
                feature["rendered"] = rendered
        except Exception as e:  # Python errors (TypeError, UndefinedError, ...) must fail in Java too
            feature["error"] = str(e)
            feature["error_type"] = type(e).__name__
        features.append(feature)
    out = {
        "generator": "consistency-train/src/test/python/render_chat_templates.py",
        "jinja2": jinja2.__version__,
        "python": sys.version.split()[0],
        "strftime_now": NOW.isoformat(),
        "cases": cases,
        "feature_context": FEATURE_CONTEXT,
        "features": features,
    }
    with open(os.path.join(RESOURCES, "references.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    errors = sum(1 for c in cases if "error" in c)
    print(f"{len(features)} feature templates ({sum(1 for f in features if 'error' in f)} fail)")
    print(f"{len(cases)} cases ({errors} raise) from {len(set(c['template'] for c in cases))} templates")


if __name__ == "__main__":
    main()
