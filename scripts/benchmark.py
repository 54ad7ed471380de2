#!/usr/bin/env python3
"""Benchmark stancekit against transformers' zero-shot pipeline on the same model and decisions.

A *decision* is one (paragraph, mentioned actor) stance label. Both systems answer the same
decisions with the same (premise, hypothesis) pairs: premise = the paragraph, hypotheses =
stancekit's stance templates with the actor and target filled in ("Germany supports the plan.",
"Germany opposes the plan."); the pipeline gets them as ``hypothesis_template="Germany {} the
plan."`` with ``candidate_labels=["supports", "opposes"]``. Systems, each measured in its own
subprocess so peak RSS does not mix:

- ``stancekit``: StanceClassifier end to end (segment, mentions, windows, de-duplicated
  length-sorted token-budget batches, decision rule) with ``premise: paragraph`` and the
  sentiment templates set to the stance ones, so it scores exactly the pipeline's pairs;
- ``stancekit-full``: the default config (its premise mode, stance + sentiment) — what a user runs; with
  ``premise: clause`` its ``parse_s`` is the dependency parse's share of the preprocessing;
- ``pipeline``: ``transformers.pipeline("zero-shot-classification")`` at its best ``batch_size``
  from a sweep;
- ``forward``: the model alone on the pipeline's pairs, pre-tokenised, in exact-length buckets
  (no padding): the lower bound for any system.

Label agreement: stancekit's entailment logits put through the pipeline's rule
(`stancekit.decide.zero_shot_rule`) vs the pipeline's labels (should be ~100%: same math), and
stancekit's own rule vs the pipeline's (informational). ``--ablation`` measures each speed step
of the scorer on one size.

    python scripts/benchmark.py                       # bundled model, full grid
    python scripts/benchmark.py --model PATH --quick  # tiny sizes, CI-like
    python scripts/benchmark.py --ablation --out results/benchmark
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout

ARTICLE = ROOT / "stancekit" / "data" / "article" / "article.txt"
ACTORS_FILE = ROOT / "stancekit" / "data" / "article" / "actors.yaml"
TARGET = "the plan"
#: Invented actors for sizes beyond the article's 11 (mentioned in generated sentences).
SYNTHETIC_ACTORS = [
    "Norland", "Vestia", "Karvonia", "Ostria", "Belmar", "Durania", "Feldmark", "Galdor", "Havenia",
    "Istria", "Jorvia", "Kalmia", "Lordania", "Mirova", "Nessia", "Orlania", "Pelmaria", "Quentia",
    "Rivania", "Solmaria", "Tarvia", "Umbria", "Valdora", "Wendia", "Xantia", "Yorvia", "Zeltia",
]
SYNTH_VERBS = ["supports", "rejects", "welcomed", "criticised", "said nothing about"]


# ---------------------------------------------------------------------------- workload
def bench_actors(n: int) -> dict[str, list[str]]:
    """The article's actors (in file order), then synthetic ones, ``n`` in all."""
    from stancekit.actors import load_actors_file

    base = [(a.name, list(a.aliases)) for a in load_actors_file(ACTORS_FILE).actors]
    extra = [(name, [name]) for name in SYNTHETIC_ACTORS]
    pool = base + extra
    if n > len(pool):
        raise SystemExit(f"at most {len(pool)} actors supported, asked for {n}")
    return dict(pool[:n])


def synthetic_article(n_paragraphs: int, n_actors: int) -> str:
    """``n_paragraphs`` paragraphs cycled from the bundled article, each perturbed with a unique
    sentence (so no two paragraphs are identical and de-duplication gets no free wins) that
    mentions synthetic actors when there are any."""
    from stancekit.segment import segment

    base = [p.text for p in segment(ARTICLE.read_text(encoding="utf-8")) if p.is_content]
    synth = list(bench_actors(n_actors))[len(bench_actors(min(n_actors, 11))):]
    paras = []
    for i in range(n_paragraphs):
        extra = f"Session {i + 1} of the talks ended late."
        if synth:
            a, b = synth[i % len(synth)], synth[(i * 7 + 3) % len(synth)]
            extra += f" {a} {SYNTH_VERBS[i % len(SYNTH_VERBS)]} the plan, and {b} {SYNTH_VERBS[(i + 2) % len(SYNTH_VERBS)]} it."
        paras.append(f"{base[i % len(base)]} {extra}")
    return "\n\n".join(paras) + "\n"


def decisions_of(text: str, actors: dict[str, list[str]]) -> list[tuple[int, str, str]]:
    """(paragraph index, actor, paragraph text) for every mentioned pair, in stancekit's order."""
    from stancekit.actors import build_actors
    from stancekit.mentions import MentionFinder
    from stancekit.segment import segment

    finder = MentionFinder(build_actors(actors))
    out = []
    for p in segment(text):
        if not p.is_content:
            continue
        found = {m.actor for m in finder.find(p.text)}
        out += [(p.index, name, p.text) for name in actors if name in found]
    return out


def stance_hypotheses(actor: str, config: Any = None) -> tuple[list[str], list[str]]:
    """(label words for the pipeline, stancekit hypotheses) for the support / oppose templates."""
    from stancekit.config import load_config

    cfg = config or load_config()
    hyps = cfg.templates.stance_hypotheses(actor, TARGET)
    return ["support", "oppose"], [hyps["support"][0], hyps["oppose"][0]]


def pipeline_template(actor: str, config: Any = None) -> tuple[str, list[str]]:
    """The zero-shot pipeline's ``hypothesis_template`` and ``candidate_labels`` that produce exactly
    stancekit's hypotheses: the words where the two filled templates differ become the labels."""
    _, (sup, opp) = stance_hypotheses(actor, config)
    a, b = sup.split(" "), opp.split(" ")
    pre = 0
    while pre < min(len(a), len(b)) and a[pre] == b[pre]:
        pre += 1
    suf = 0
    while suf < min(len(a), len(b)) - pre and a[-1 - suf] == b[-1 - suf]:
        suf += 1
    esc = lambda words: " ".join(words).replace("{", "{{").replace("}", "}}")  # noqa: E731
    left, right = esc(a[:pre]), esc(a[len(a) - suf:] if suf else [])
    template = " ".join(x for x in (left, "{}", right) if x)
    labels = [" ".join(a[pre:len(a) - suf]), " ".join(b[pre:len(b) - suf])]
    assert template.format(labels[0]) == sup and template.format(labels[1]) == opp, (template, labels)
    return template, labels


def same_pairs_config() -> Any:
    """Default config with premise: paragraph and sentiment templates = stance templates with the
    target baked in, so stancekit's de-duplicated job list equals the pipeline's pairs."""
    from stancekit.config import load_config
    from stancekit.templates import TemplateSet

    cfg = load_config()
    stance = {k: v for k, v in cfg.templates.stance.items() if k in ("support", "oppose")}
    sentiment = {
        "positive": [t.replace("{target}", TARGET) for t in stance["support"]],
        "negative": [t.replace("{target}", TARGET) for t in stance["oppose"]],
    }
    return cfg.with_overrides(premise="paragraph", templates=TemplateSet(stance=stance, sentiment=sentiment))


# ---------------------------------------------------------------------------- measuring (child side)
def _rss_mb() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def _setup_threads(threads: int | None) -> int:
    import torch

    if threads:
        torch.set_num_threads(threads)
    return torch.get_num_threads()


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement described by ``spec`` (system, model, paragraphs, actors, ...)."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
    except Exception:
        pass
    threads = _setup_threads(spec.get("threads"))
    fn = {"stancekit": _m_stancekit, "stancekit-full": _m_stancekit, "pipeline": _m_pipeline,
          "forward": _m_forward, "ablation": _m_ablation}[spec["system"]]
    out = fn(spec)
    out.update(system=spec["system"], paragraphs=spec["paragraphs"], actors=spec["actors"], threads=threads,
               peak_rss_mb=round(_peak_mb(), 1))
    return out


def _best_of(repeats: int, run: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - t0)
    return best, result


def _m_stancekit(spec: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    from stancekit import decide
    from stancekit.actors import build_actors
    from stancekit.classifier import StanceClassifier

    full = spec["system"] == "stancekit-full"
    cfg = None if full else same_pairs_config()
    overrides = {k: spec[k] for k in ("dtype", "device", "backend") if spec.get(k)}
    clf = StanceClassifier.from_pretrained(spec["model"], cfg, **overrides)
    actors = build_actors(bench_actors(spec["actors"]))
    text = synthetic_article(spec["paragraphs"], spec["actors"])
    parse_s = [0.0]  # time in the dependency parse (premise: clause), part of preprocess_s
    parse = clf._parse_sentences

    def timed_parse(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return parse(*args, **kwargs)
        finally:
            parse_s[0] += time.perf_counter() - t

    clf._parse_sentences = timed_parse
    clf.label(synthetic_article(1, min(spec["actors"], 3)), TARGET, actors[:3], progress=False)  # warm-up
    loaded = _rss_mb()
    stages: dict[str, float] = {}

    def run():
        parse_s[0] = 0.0
        t0 = time.perf_counter()
        prep = clf.preprocess(text, TARGET, actors)
        t1 = time.perf_counter()
        scores = clf.forward(prep.pairs, progress=False)
        t2 = time.perf_counter()
        res = clf.postprocess(prep, scores.probs)
        t3 = time.perf_counter()
        stages.update(preprocess_s=t1 - t0, parse_s=parse_s[0], forward_s=t2 - t1, postprocess_s=t3 - t2)
        return prep, scores, res

    seconds, (prep, scores, res) = _best_of(spec.get("repeats", 1), run)
    out: dict[str, Any] = {
        "seconds": seconds,
        "decisions": len(res.records),
        "pairs": len(prep.pairs),
        "split_windows": sum(1 for r in res.records if r.windows > 1),
        "loaded_rss_mb": round(loaded, 1),
        "backend": clf.scorer.backend,
        "precision": clf.scorer.precision,
        **{k: round(v, 4) for k, v in stages.items()},
    }
    if not full:
        labels: dict[str, list] = {}
        for item, rec in zip(prep.items, res.records):
            ids = item.stance_ids[0]
            logits = np.array([scores.entail_logits[ids["support"][0]], scores.entail_logits[ids["oppose"][0]]])
            lab, sc = decide.zero_shot_rule(logits, ["support", "oppose"])
            labels[f"{item.paragraph}|{item.actor}"] = [lab, round(sc["support"], 6), rec.stance, item.units[0].text]
        out["labels"] = labels
    return out


def _m_pipeline(spec: dict[str, Any]) -> dict[str, Any]:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    tok = AutoTokenizer.from_pretrained(spec["model"])
    model = AutoModelForSequenceClassification.from_pretrained(spec["model"])
    pipe = pipeline("zero-shot-classification", model=model, tokenizer=tok, device=-1)
    actors = bench_actors(spec["actors"])
    decisions = decisions_of(synthetic_article(spec["paragraphs"], spec["actors"]), actors)
    by_actor: dict[str, list[tuple[int, str]]] = {}
    for p, a, text in decisions:
        by_actor.setdefault(a, []).append((p, text))
    bs = int(spec.get("batch_size", 1))
    warm_t, warm_l = pipeline_template(next(iter(actors)))
    pipe(["Warm-up sentence about the plan."], candidate_labels=warm_l, hypothesis_template=warm_t)
    loaded = _rss_mb()

    def run():
        labels = {}
        for actor, items in by_actor.items():
            template, words = pipeline_template(actor)
            outs = pipe([t for _, t in items], candidate_labels=words, hypothesis_template=template, batch_size=bs)
            outs = outs if isinstance(outs, list) else [outs]
            word2lab = dict(zip(words, ["support", "oppose"]))
            for (p, _), o in zip(items, outs):
                scores = dict(zip(o["labels"], o["scores"]))
                labels[f"{p}|{actor}"] = [word2lab[o["labels"][0]], round(float(scores[words[0]]), 6)]
        return labels

    seconds, labels = _best_of(spec.get("repeats", 1), run)
    return {"seconds": seconds, "decisions": len(decisions), "pairs": 2 * len(decisions), "batch_size": bs,
            "loaded_rss_mb": round(loaded, 1), "labels": labels}


def _pipeline_pairs(spec: dict[str, Any]) -> list[tuple[str, str]]:
    actors = bench_actors(spec["actors"])
    pairs = []
    for _, actor, text in decisions_of(synthetic_article(spec["paragraphs"], spec["actors"]), actors):
        pairs += [(text, h) for h in stance_hypotheses(actor)[1]]
    return pairs


def _m_forward(spec: dict[str, Any]) -> dict[str, Any]:
    """Model forward only: pre-tokenised unique pairs, exact-length buckets, no padding."""
    import torch

    from stancekit.classifier import StanceClassifier

    clf = StanceClassifier.from_pretrained(spec["model"], same_pairs_config(),
                                           **{k: spec[k] for k in ("dtype", "device", "backend") if spec.get(k)})
    sc = clf.scorer
    pairs = list(dict.fromkeys(_pipeline_pairs(spec)))
    enc = sc.tokenizer([p for p, _ in pairs], [h for _, h in pairs], truncation="only_first", max_length=sc.max_length)
    keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc]
    buckets: dict[int, list[int]] = {}
    for i, ids in enumerate(enc["input_ids"]):
        buckets.setdefault(len(ids), []).append(i)
    batches = []
    for length, idx in sorted(buckets.items()):
        cap = max(1, min(sc.batch_size, sc.token_budget // length))
        for s in range(0, len(idx), cap):
            part = idx[s:s + cap]
            batches.append({k: torch.tensor([enc[k][i] for i in part]) for k in keys})
    with torch.inference_mode():
        if batches:
            sc.model(**batches[0])  # warm-up
        loaded = _rss_mb()

        def run():
            for b in batches:
                sc.model(**b)

        seconds, _ = _best_of(spec.get("repeats", 1), run)
    return {"seconds": seconds, "pairs": len(pairs), "decisions": len(pairs) // 2, "batches": len(batches),
            "loaded_rss_mb": round(loaded, 1)}


def _m_ablation(spec: dict[str, Any]) -> dict[str, Any]:
    """Each speed step of the scorer on the default config's job list (stance + sentiment pairs)."""
    import numpy as np
    import torch

    from stancekit.actors import build_actors
    from stancekit.classifier import StanceClassifier

    clf = StanceClassifier.from_pretrained(spec["model"], None, device="cpu")
    sc = clf.scorer
    actors = build_actors(bench_actors(spec["actors"]))
    prep = clf.preprocess(synthetic_article(spec["paragraphs"], spec["actors"]), TARGET, actors)
    raw: list[tuple[str, str]] = []  # every pair every unit asks, duplicates included
    for item in prep.items:
        for ids in item.stance_ids + item.sentiment_ids:
            if ids is not None:  # None: a bystander's stance, neutral by rule and not asked
                raw += [prep.pairs[i] for v in ids.values() for i in v]
    unique = list(dict.fromkeys(raw))
    ent = sc.label_ids["entailment"]
    cap = sc.batch_size
    rows = []

    def forward_texts(pairs: list[tuple[str, str]], order: list[int], batches: list[list[int]]) -> np.ndarray:
        out = np.zeros((len(pairs), sc.model.config.num_labels), np.float32)
        with torch.inference_mode():
            for b in batches:
                enc = sc.tokenizer([pairs[i][0] for i in b], [pairs[i][1] for i in b], truncation="only_first",
                                   max_length=sc.max_length, padding=True, return_tensors="pt")
                out[b] = sc.model(**enc).logits.float().numpy()
        return out

    def fixed(n: int) -> list[list[int]]:
        return [list(range(s, min(n, s + cap))) for s in range(0, n, cap)]

    def sorted_budget(pairs: list[tuple[str, str]]) -> list[list[int]]:
        lengths = np.array([len(x) for x in sc.tokenizer([p for p, _ in pairs], [h for _, h in pairs],
                                                          truncation="only_first", max_length=sc.max_length)["input_ids"]])
        return sc._plan_batches(np.argsort(lengths, kind="stable"), lengths, cap)

    def step(name: str, fn: Any, n_pairs: int) -> None:
        fn()  # warm-up
        seconds, logits = _best_of(spec.get("repeats", 1), fn)
        rows.append({"step": name, "seconds": seconds, "pairs": n_pairs, "pairs_per_s": n_pairs / seconds,
                     "_logits": logits})

    step("1 naive: input order, batches of 32, no de-dup", lambda: forward_texts(raw, [], fixed(len(raw))), len(raw))
    step("2 + de-duplicated pairs", lambda: forward_texts(unique, [], fixed(len(unique))), len(unique))
    step("3 + length-sorted token-budget batches", lambda: forward_texts(unique, [], sorted_budget(unique)), len(unique))
    step("4 + tokenise once per unique pair (NLIScorer.score_full)",
         lambda: _logits_of(sc.score_full(unique, progress=False), sc), len(unique))
    n_threads = torch.get_num_threads()
    if n_threads > 1:
        torch.set_num_threads(1)
        step("5 NLIScorer, torch threads = 1", lambda: _logits_of(sc.score_full(unique, progress=False), sc), len(unique))
        torch.set_num_threads(n_threads)
    q = StanceClassifier.from_pretrained(spec["model"], None, device="cpu", dtype="int8").scorer
    step("6 NLIScorer + int8 dynamic quantisation", lambda: _logits_of(q.score_full(unique, progress=False), q), len(unique))
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401

        o = StanceClassifier.from_pretrained(spec["model"], None, device="cpu", backend="onnx").scorer
        step("7 NLIScorer + ONNX Runtime backend", lambda: _logits_of(o.score_full(unique, progress=False), o), len(unique))
    except ImportError:
        pass
    ref = rows[3]["_logits"]
    base = rows[0]["seconds"] * len(unique) / len(raw) if raw else 0.0
    for r in rows:
        lg = r.pop("_logits")
        if r["step"].startswith("1"):
            first = {}
            for i, p in enumerate(raw):
                first.setdefault(p, i)
            lg = lg[[first[p] for p in unique]]
        ent_l = lg[:, ent] if lg.ndim == 2 and lg.shape[1] > 1 else lg
        r["max_abs_entail_logit_diff_vs_4"] = float(np.abs(ent_l - ref[:, ent] if ref.ndim == 2 else ent_l - ref).max())
        r["speedup_vs_1"] = rows[0]["seconds"] / r["seconds"] if r["seconds"] else None
    return {"seconds": sum(r["seconds"] for r in rows), "steps": rows, "raw_pairs": len(raw), "unique_pairs": len(unique), "naive_per_unique_s": base,
            "decisions": len(prep.items)}


def _logits_of(scores: Any, sc: Any) -> Any:
    """Entailment logits as a column in the model's label order (for comparing ablation steps)."""
    import numpy as np

    out = np.zeros((len(scores.entail_logits), sc.model.config.num_labels), np.float32)
    out[:, sc.label_ids["entailment"]] = scores.entail_logits
    return out


# ---------------------------------------------------------------------------- orchestration (parent side)
@dataclass
class Runner:
    """Runs measurements in subprocesses (default) or in-process (``--no-subprocess``: RSS mixes)."""

    model: str
    threads: int | None
    repeats: int
    subprocess: bool = True
    timeout: int = 3600
    dtype: str | None = None
    backend: str | None = None
    log: list[str] = field(default_factory=list)

    def __call__(self, system: str, paragraphs: int, actors: int, **extra: Any) -> dict[str, Any]:
        spec = {"system": system, "model": self.model, "paragraphs": paragraphs, "actors": actors,
                "threads": self.threads, "repeats": self.repeats, "dtype": self.dtype,
                "backend": self.backend, **extra}
        t0 = time.perf_counter()
        if not self.subprocess:
            res = measure(spec)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                spec_path, out_path = Path(tmp) / "spec.json", Path(tmp) / "out.json"
                spec_path.write_text(json.dumps(spec))
                env = dict(os.environ, TOKENIZERS_PARALLELISM="false")
                proc = subprocess.run([sys.executable, __file__, "--measure", str(spec_path), str(out_path)],
                                      capture_output=True, text=True, timeout=self.timeout, env=env)
                if proc.returncode != 0:
                    raise RuntimeError(f"{system} P={paragraphs} A={actors} failed:\n{proc.stderr[-3000:]}")
                res = json.loads(out_path.read_text())
        msg = (f"{system:15s} P={paragraphs:<4d} A={actors:<3d} "
               f"{res.get('seconds', 0):8.3f}s  ({time.perf_counter() - t0:.1f}s wall incl. load)")
        print(msg, file=sys.stderr, flush=True)
        self.log.append(msg)
        return res


def machine_info(model: str, threads: int | None) -> dict[str, Any]:
    import torch
    import transformers

    from stancekit.machine import cpu_name, usable_cores
    from stancekit.nli import native_bfloat16

    cpu = cpu_name() or platform.processor() or ""
    cores = usable_cores()
    if threads:
        torch.set_num_threads(threads)
    return {
        "cpu": cpu, "cores": cores, "logical_cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__, "transformers": transformers.__version__, "python": platform.python_version(),
        "platform": platform.platform(), "model": model, "model_params": _param_count(model),
        "native_bfloat16": native_bfloat16(),
    }


def _param_count(model: str) -> int | None:
    try:
        from safetensors import safe_open

        n = 0
        from stancekit.model_patch import PATCH_WEIGHTS

        for f in Path(model).glob("*.safetensors"):
            if f.name == PATCH_WEIGHTS:  # differences to the weights beside it, not parameters of their own
                continue
            with safe_open(str(f), "pt") as fh:
                for k in fh.keys():
                    n += fh.get_slice(k).get_shape() and _prod(fh.get_slice(k).get_shape())
        return n or None
    except Exception:
        return None


def _prod(shape: list[int]) -> int:
    out = 1
    for s in shape:
        out *= int(s)
    return out


def agreement(sk: dict[str, Any], pl: dict[str, Any]) -> dict[str, Any]:
    a, b = sk.get("labels", {}), pl.get("labels", {})
    keys = sorted(set(a) & set(b))
    if not keys:
        return {"decisions_compared": 0}
    zs = sum(a[k][0] == b[k][0] for k in keys) / len(keys)
    own = sum(a[k][2] == b[k][0] for k in keys) / len(keys)
    diff = max(abs(a[k][1] - b[k][1]) for k in keys)
    return {"decisions_compared": len(keys), "missing": len(set(a) ^ set(b)),
            "zero_shot_rule_agreement": zs, "stancekit_rule_agreement": own, "max_abs_score_diff": diff}


def fit(points: list[tuple[float, float]]) -> dict[str, float] | None:
    """Least-squares seconds = intercept + slope * (paragraphs * actors), with R²."""
    import numpy as np

    if len(points) < 2 or len({x for x, _ in points}) < 2:
        return None
    x, y = np.array(points, dtype=float).T
    slope, intercept = np.polyfit(x, y, 1)
    pred = intercept + slope * x
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float(((y - pred) ** 2).sum()) / ss_tot if ss_tot > 0 else 1.0
    return {"slope_s_per_paragraph_actor": float(slope), "intercept_s": float(intercept), "r2": r2}


def _clean(res: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in res.items() if k != "labels"}


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    runner = Runner(args.model, args.threads, args.repeats, subprocess=not args.no_subprocess,
                    timeout=args.timeout, dtype=args.dtype, backend=args.backend)
    systems = args.systems
    sweep_p, sweep_a = args.sweep
    report: dict[str, Any] = {"machine": machine_info(args.model, args.threads), "args": {
        k: v for k, v in vars(args).items() if k not in ("measure",)}, "generated": time.strftime("%Y-%m-%d %H:%M:%S")}

    # 1) pipeline batch_size sweep
    sweep = []
    if "pipeline" in systems:
        for bs in args.pipeline_batch_sizes:
            r = runner("pipeline", sweep_p, sweep_a, batch_size=bs)
            sweep.append({"batch_size": bs, "seconds": r["seconds"], "pairs_per_s": r["pairs"] / r["seconds"],
                          "peak_rss_mb": r["peak_rss_mb"]})
        best_bs = min(sweep, key=lambda s: s["seconds"])["batch_size"]
    else:
        best_bs = None
    report["pipeline_batch_sweep"] = {"paragraphs": sweep_p, "actors": sweep_a, "results": sweep, "best": best_bs}

    # 2) grid
    rows = []
    for p in args.paragraphs:
        for a in args.actors:
            res: dict[str, dict[str, Any]] = {}
            for system in systems:
                extra = {"batch_size": best_bs} if system == "pipeline" else {}
                res[system] = runner(system, p, a, **extra)
            row: dict[str, Any] = {"paragraphs": p, "actors": a}
            for system, r in res.items():
                row[system] = _clean(r) | {
                    "decisions_per_s": r["decisions"] / r["seconds"] if r["seconds"] else None,
                    "pairs_per_s": r["pairs"] / r["seconds"] if r["seconds"] else None,
                }
            if "stancekit" in res and "pipeline" in res:
                row["speedup_vs_pipeline"] = res["pipeline"]["seconds"] / res["stancekit"]["seconds"]
                row["agreement"] = agreement(res["stancekit"], res["pipeline"])
            if "stancekit" in res and "forward" in res and res["forward"]["seconds"]:
                row["end_to_end_over_forward"] = res["stancekit"]["seconds"] / res["forward"]["seconds"]
            if "pipeline" in res and "forward" in res and res["forward"]["seconds"]:
                row["pipeline_over_forward"] = res["pipeline"]["seconds"] / res["forward"]["seconds"]
            rows.append(row)
    report["grid"] = rows
    report["fit"] = {
        s: fit([(r["paragraphs"] * r["actors"], r[s]["seconds"]) for r in rows if s in r]) for s in systems
    }

    # 3) ablation
    if args.ablation:
        abl_p, abl_a = args.ablation_size
        report["ablation"] = _clean(runner("ablation", abl_p, abl_a)) | {"paragraphs": abl_p, "actors": abl_a}
    report["log"] = runner.log
    return report


# ---------------------------------------------------------------------------- output
def _fmt(x: Any, nd: int = 2) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def to_markdown(rep: dict[str, Any]) -> str:
    m = rep["machine"]
    out = ["# stancekit benchmark", "",
           f"Machine: {m['cpu']}, {m['cores']} cores, torch threads {m['torch_threads']}; "
           f"torch {m['torch']}, transformers {m['transformers']}, Python {m['python']}.  ",
           f"Model: `{m['model']}` ({_fmt(m.get('model_params'))} parameters).  ",
           f"Generated {rep['generated']}. Time excludes model loading; each system runs in its own process.", ""]
    sw = rep["pipeline_batch_sweep"]
    if sw["results"]:
        out += [f"## Pipeline batch_size sweep ({sw['paragraphs']} paragraphs × {sw['actors']} actors)", "",
                "| batch_size | seconds | pairs/s | peak RSS MB |", "|---:|---:|---:|---:|"]
        out += [f"| {s['batch_size']} | {s['seconds']:.3f} | {s['pairs_per_s']:.1f} | {s['peak_rss_mb']:.0f} |"
                for s in sw["results"]]
        out += ["", f"Best: batch_size={sw['best']} (used below).", ""]
    systems = [s for s in ("stancekit", "pipeline", "forward", "stancekit-full") if any(s in r for r in rep["grid"])]
    out += ["## Grid", "",
            "| paragraphs | actors | decisions | " + " | ".join(
                f"{s} s | {s} dec/s | {s} pairs/s | {s} peak MB" for s in systems)
            + " | speed-up vs pipeline | e2e / forward | zero-shot-rule agreement | stancekit-rule agreement"
            + " | stancekit-full parse s | stancekit-full e2e / forward |",
            "|" + "---:|" * (3 + 4 * len(systems) + 6)]
    for r in rep["grid"]:
        dec = next((r[s]["decisions"] for s in ("stancekit", "pipeline") if s in r), None)
        cells = [str(r["paragraphs"]), str(r["actors"]), _fmt(dec)]
        for s in systems:
            x = r.get(s, {})
            cells += [_fmt(x.get("seconds"), 3), _fmt(x.get("decisions_per_s"), 1), _fmt(x.get("pairs_per_s"), 1),
                      _fmt(x.get("peak_rss_mb"), 0)]
        ag = r.get("agreement", {})
        full = r.get("stancekit-full", {})
        cells += [_fmt(r.get("speedup_vs_pipeline")), _fmt(r.get("end_to_end_over_forward")),
                  _fmt(ag.get("zero_shot_rule_agreement"), 3), _fmt(ag.get("stancekit_rule_agreement"), 3),
                  _fmt(full.get("parse_s"), 3),
                  _fmt(full["seconds"] / full["forward_s"] if full.get("forward_s") else None)]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "## Fit: seconds = intercept + slope × (paragraphs × actors)", "",
            "| system | slope (ms per paragraph·actor) | intercept s | R² |", "|---|---:|---:|---:|"]
    for s, f in rep["fit"].items():
        if f:
            out.append(f"| {s} | {f['slope_s_per_paragraph_actor'] * 1000:.3f} | {f['intercept_s']:.3f} | {f['r2']:.4f} |")
    if "ablation" in rep:
        ab = rep["ablation"]
        out += ["", f"## Ablation ({ab['paragraphs']} paragraphs × {ab['actors']} actors, default config: "
                f"{ab['raw_pairs']} pairs asked, {ab['unique_pairs']} unique)", "",
                "| step | seconds | pairs | pairs/s | speed-up vs 1 | max abs entail-logit diff vs 4 |",
                "|---|---:|---:|---:|---:|---:|"]
        for st in ab["steps"]:
            out.append(f"| {st['step']} | {st['seconds']:.3f} | {st['pairs']} | {st['pairs_per_s']:.1f} | "
                       f"{_fmt(st['speedup_vs_1'])} | {st['max_abs_entail_logit_diff_vs_4']:.2e} |")
    return "\n".join(out) + "\n"


def plot(rep: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker  # noqa: F401
    except ImportError:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for s in ("stancekit", "pipeline", "forward", "stancekit-full"):
        pts = sorted((r["paragraphs"] * r["actors"], r[s]["seconds"], r[s]["decisions_per_s"] or 0)
                     for r in rep["grid"] if s in r)
        if not pts:
            continue
        x, y, d = zip(*pts)
        axes[0].plot(x, y, "o-", label=s)
        axes[1].plot(x, d, "o-", label=s)
    for ax, title in zip(axes, ("seconds (excl. model load)", "decisions / s")):
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("paragraphs × actors")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
    axes[0].set_yscale("log")
    m = rep["machine"]
    fig.suptitle(f"{Path(m['model']).name} on {m['cpu']} ({m['cores']} cores, {m['torch_threads']} torch threads)",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


# ---------------------------------------------------------------------------- CLI
def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _pair(text: str) -> tuple[int, int]:
    p, a = text.lower().split("x")
    return int(p), int(a)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="benchmark.py", description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="NLI model folder (default: resolved as StanceClassifier does)")
    ap.add_argument("--out", default="results/benchmark", help="output folder (benchmark.json/.md/.png)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes (CI-like check, numbers meaningless)")
    ap.add_argument("--paragraphs", type=_ints, default=[1, 10, 50, 100, 250, 500])
    ap.add_argument("--actors", type=_ints, default=[1, 11, 30])
    ap.add_argument("--systems", type=lambda s: s.split(","), default=["stancekit", "pipeline", "forward", "stancekit-full"])
    ap.add_argument("--pipeline-batch-sizes", type=_ints, default=[1, 8, 32])
    ap.add_argument("--sweep", type=_pair, default=(50, 11), metavar="PxA", help="size of the batch_size sweep")
    ap.add_argument("--ablation", action="store_true", help="also measure each speed step of the scorer")
    ap.add_argument("--ablation-size", type=_pair, default=(100, 11), metavar="PxA")
    ap.add_argument("--threads", type=int, help="torch threads (default: torch's default = cores)")
    ap.add_argument("--dtype", help="stancekit/forward dtype, e.g. int8 (default: the config's)")
    ap.add_argument("--backend", choices=("auto", "torch", "onnx"), help="stancekit/forward backend (default: the config's, auto)")
    ap.add_argument("--repeats", type=int, default=1, help="best of N timings per measurement")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per measurement subprocess")
    ap.add_argument("--no-subprocess", action="store_true", help="measure in this process (fast; peak RSS mixes)")
    ap.add_argument("--measure", nargs=2, metavar=("SPEC", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.quick:
        args.paragraphs, args.actors = [1, 4], [2, 12]
        args.pipeline_batch_sizes, args.sweep, args.ablation_size = [1, 8], (3, 3), (3, 3)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.measure:
        spec = json.loads(Path(args.measure[0]).read_text())
        Path(args.measure[1]).write_text(json.dumps(measure(spec)))
        return 0
    from stancekit.classifier import resolve_model
    from stancekit.errors import StancekitError

    try:
        args.model = resolve_model(args.model)
    except StancekitError as exc:
        print(f"benchmark.py: error: {exc}", file=sys.stderr)
        return 2
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    rep = run_benchmark(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmark.json").write_text(json.dumps(rep, indent=2, default=str), encoding="utf-8")
    (out / "benchmark.md").write_text(to_markdown(rep), encoding="utf-8")
    plotted = plot(rep, out / "benchmark.png")
    print(f"wrote {out / 'benchmark.json'}, {out / 'benchmark.md'}" + (f", {out / 'benchmark.png'}" if plotted else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
