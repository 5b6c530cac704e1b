#!/usr/bin/python3
"""Markdown tables of benchmarks/scale/run.sh results (the JSON lines after the last '#' header line
of the file, i.e. the latest run) with the ratios asked of the runtime."""
import json
import sys



def main(path):
    lines = open(path).read().splitlines()
    start = max((i for i, l in enumerate(lines) if l.startswith("#")), default=-1)
    rows = [json.loads(l) for l in lines[start + 1:] if l.startswith("{")]
    if start >= 0:
        print(lines[start])
    for r in rows:
        if "failed" in r:
            print("FAILED:", r["failed"], "--", r["error"])
    ok = [r for r in rows if "failed" not in r]
    print("\n| model | measure | implementation | threads | result | load ms | peak RSS MiB |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for r in ok:
        if r["what"] in ("lora", "cat"):
            res = "%s ms/step (%d x %d tokens)" % (r["step_ms"], r["rows"], r["seq"])
            load = r.get("setup_ms", "")
        elif r["what"] == "load":
            res = "-"
            load = r["load_ms"]
        else:
            res = "%s tokens/s" % r["tokens_per_s"]
            load = r["load_ms"]
        print("| %s | %s | %s | %d | %s | %s | %s |" % (r["model"], r["what"], r["impl"], r["threads"],
                                                      res, load, r["peak_rss_mib"]))

    def get(model, what, impl, threads):
        for r in ok:
            if r["model"] == model and r["what"] == what and r["impl"] == impl and r["threads"] == threads:
                return r
        return None

    print("\n| model | ratio | value |")
    print("| --- | --- | ---: |")
    for model in dict.fromkeys(r["model"] for r in ok):
        for what in ("prefill", "decode1", "decode16"):
            for t in (1, 2):
                ours = get(model, what, "consistency4j-ort", t)
                for impl in ("pytorch-eager", "jlama-0.8.4"):
                    other = get(model, what, impl, t)
                    if ours and other:
                        print("| %s | %s tokens/s, %d thread(s): ours / %s | %.2f |" % (
                            model, what, t, impl, ours["tokens_per_s"] / other["tokens_per_s"]))
        for what in ("lora", "cat"):
            ours = get(model, what, "consistency4j-ort", 1)
            other = get(model, what, "pytorch-eager", 1)
            if ours and other:
                print("| %s | %s step ms, 1 thread: ours / pytorch-eager | %.2f |" % (
                    model, what, ours["step_ms"] / other["step_ms"]))


if __name__ == "__main__":
    main(sys.argv[1])
