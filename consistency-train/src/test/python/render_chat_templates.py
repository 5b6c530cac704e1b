#!/usr/bin/python3
"""Renders the reference chat templates exactly as Hugging Face transformers does.

Run with Debian's python3 and its python3-jinja2 package (not a pyenv python3):

    /usr/bin/python3 consistency-train/src/test/python/render_chat_templates.py

Reads consistency-train/src/test/resources/chat-templates/templates/*.json (the chat_template and
special-token fields of real tokenizer_config.json files, see the README there) and writes
references.json beside that folder: for every (template, conversation) the rendered text, or the
message of the error the template raised. ChatTemplateParityTest asserts that the Java engine
renders every case byte for byte the same way (and fails where Jinja2 fails).

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
import sys

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.join(HERE, "..", "resources", "chat-templates")
SPECIAL_TOKENS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]
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
            except jinja2.exceptions.TemplateError as e:
                case["error"] = str(e)
            cases.append(case)
    out = {
        "generator": "consistency-train/src/test/python/render_chat_templates.py",
        "jinja2": jinja2.__version__,
        "python": sys.version.split()[0],
        "strftime_now": NOW.isoformat(),
        "cases": cases,
    }
    with open(os.path.join(RESOURCES, "references.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    errors = sum(1 for c in cases if "error" in c)
    print(f"{len(cases)} cases ({errors} raise) from {len(set(c['template'] for c in cases))} templates")


if __name__ == "__main__":
    main()
