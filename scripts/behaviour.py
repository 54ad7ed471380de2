#!/usr/bin/env python3
"""Behavioural (CheckList-style) tests of the stance model: accuracy per capability on templated probes.

Each capability of scripts/behaviour/probes.yaml (stance vocabulary, non-committal statements, negation,
hedges, opposition to the opposite, target paraphrases, two actors in one sentence, reported speech,
passives, bystanders) yields labelled single-paragraph items from its templates and fillers, with a seeded
RNG. Every item goes through the public pipeline, ``StanceClassifier.label(text, target=..., actors=...)``,
and the asked actor's record is compared with the gold stance. Prints accuracy per capability with failing
examples and writes OUT/<name>.json (rows + every item with its prediction) and OUT/<name>.md, where <name>
is --name or the model's folder / hub name (nli-minilm for the bundled model).

    python scripts/behaviour.py [--model M] [--config C] [--n-per-capability 50] [--seed 0] -o results/behaviour
"""
from __future__ import annotations

import argparse
import inspect
import json
import math
import random
import re
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout

from stancekit.cli import quiet_libraries  # noqa: E402
from stancekit.errors import ConfigError, StancekitError  # noqa: E402

PROBES = Path(__file__).resolve().parent / "behaviour" / "probes.yaml"
STANCES = ("support", "oppose", "neutral")
PRONOUNS = {"its": "it", "her": "she", "his": "he"}
N_FAILURES_SHOWN = 3


@dataclass(frozen=True)
class Item:
    """One probe: ``text`` asked about ``actor`` (matched by ``aliases``) toward ``target``; ``others`` are the
    other actors named in the text (also passed to the classifier, as a user would list them)."""

    capability: str
    text: str
    actor: str
    aliases: tuple[str, ...]
    target: str
    target_aliases: tuple[str, ...]
    gold: str
    template: str
    others: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def key(self) -> tuple[str, str, str]:
        return (self.text, self.actor, self.target)


# ---------------------------------------------------------------------------------------------- probes
def load_probes(path: str | Path = PROBES) -> dict[str, Any]:
    """The probe file, validated: every template's placeholders, roles, gold labels and filler kinds."""
    import yaml

    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read probes: {exc}") from None
    if not isinstance(spec, dict) or not spec.get("capabilities"):
        raise ConfigError(f"{path}: expected a mapping with capabilities:")
    fillers = spec.get("fillers") or {}
    actors, targets = fillers.get("actors") or [], fillers.get("targets") or []
    if len(actors) < 2 or not targets:
        raise ConfigError(f"{path}: fillers need at least two actors and one target")
    for a in actors:
        if a.get("possessive", "its") not in PRONOUNS or not a.get("aliases") or not a.get("kind"):
            raise ConfigError(f"{path}: actor {a.get('name')!r}: needs name, aliases, kind; possessive its|her|his")
    for t in targets:
        if not t.get("name") or not t.get("paraphrases") or not t.get("kind"):
            raise ConfigError(f"{path}: target {t.get('name')!r}: needs name, paraphrases, kind")
    spec["_forbidden"] = [re.compile(p, re.IGNORECASE) for p in spec.get("forbidden_vocabulary") or []]
    actor_kinds = {a["kind"] for a in actors}
    target_kinds = {t["kind"] for t in targets}
    for cap, c in spec["capabilities"].items():
        if c.get("target_aliases", "none") not in ("none", "paraphrases"):
            raise ConfigError(f"{path}: {cap}.target_aliases: none or paraphrases")
        if c.get("seed_as") is not None and c["seed_as"] not in spec["capabilities"]:
            raise ConfigError(f"{path}: {cap}.seed_as: unknown capability {c['seed_as']!r}")
        if not c.get("templates"):
            raise ConfigError(f"{path}: {cap}: no templates")
        for i, tpl in enumerate(c["templates"]):
            where = f"{path}: {cap}.templates[{i}]"
            text, gold = tpl.get("text"), tpl.get("gold")
            if not isinstance(text, str) or not isinstance(gold, dict) or not gold:
                raise ConfigError(f"{where}: needs text and gold")
            names = set(re.findall(r"{(\w+)}", text))
            roles = {n.split("_")[0] for n in names} - {"t", "p"}
            unknown = {n for n in names if n not in {"t", "p"} and not re.fullmatch(r"[ab](_poss|_subj|_alias)?", n)}
            if unknown:
                raise ConfigError(f"{where}: unknown placeholders {sorted(unknown)}")
            if "a" not in roles or not set(gold) <= roles:
                raise ConfigError(f"{where}: gold roles {sorted(gold)} must be actors in the text {sorted(roles)}")
            if any(v not in STANCES for v in gold.values()):
                raise ConfigError(f"{where}: gold labels must be {'/'.join(STANCES)}")
            for role, kinds in (tpl.get("kinds") or {}).items():
                if role not in roles or not set(kinds) <= actor_kinds:
                    raise ConfigError(f"{where}: kinds.{role}: unknown role or kind")
            if not set(tpl.get("target_kinds") or target_kinds) <= target_kinds:
                raise ConfigError(f"{where}: unknown target kind")
    return spec


def forbidden_hits(text: str, spec: dict[str, Any]) -> list[str]:
    """The forbidden-vocabulary patterns that ``text`` matches."""
    return [p.pattern for p in spec["_forbidden"] if p.search(text)]


def _render(template: str, actors: dict[str, dict], target: dict, paraphrase: str) -> str:
    values = {"t": target["name"], "p": paraphrase}
    for role, a in actors.items():
        poss = a.get("possessive", "its")
        values.update({role: a.get("text", a["name"]), f"{role}_poss": poss, f"{role}_subj": PRONOUNS[poss],
                       f"{role}_alias": a["aliases"][-1]})
    text = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], template)
    return text[:1].upper() + text[1:]


def _disjoint(a: dict, b: dict) -> bool:
    wa = {w.lower() for x in a["aliases"] for w in x.split()}
    wb = {w.lower() for x in b["aliases"] for w in x.split()}
    return a["name"] != b["name"] and not (wa & wb)


def generate(spec: dict[str, Any], n_per_capability: int, seed: int = 0,
             capabilities: list[str] | None = None) -> list[Item]:
    """``n_per_capability`` items per capability (fewer only when the fillers run out), deterministic for a seed.

    Templates are used in turn (a fresh seeded shuffle each round), so every template of a capability is used
    about equally often; fillers are drawn at random from the kinds a template allows; a text with two asked
    roles gives one item per role. A text using forbidden vocabulary is an error in the probe file."""
    caps = spec["capabilities"]
    names = list(caps) if not capabilities else capabilities
    unknown = [c for c in names if c not in caps]
    if unknown:
        raise ConfigError(f"unknown capabilities {unknown} (known: {', '.join(caps)})")
    actors, targets = spec["fillers"]["actors"], spec["fillers"]["targets"]
    out: list[Item] = []
    for cap in names:
        c = caps[cap]
        stream = c.get("seed_as") or cap
        rng = random.Random(f"behaviour/{seed}/{stream}")  # str seeds are hashed with sha512: stable across runs
        items: list[Item] = []
        seen: set[tuple[str, str, str]] = set()
        order: list[int] = []
        attempts = 0
        while len(items) < n_per_capability and attempts < 50 * max(n_per_capability, 1):
            attempts += 1
            if not order:
                order = list(range(len(c["templates"])))
                rng.shuffle(order)
            tpl = c["templates"][order.pop()]
            kinds = tpl.get("kinds") or {}
            roles = sorted({n.split("_")[0] for n in re.findall(r"{(\w+)}", tpl["text"])} - {"t", "p"})
            chosen: dict[str, dict] = {}
            for role in roles:
                pool = [a for a in actors if a["kind"] in kinds.get(role, [a["kind"]])
                        and all(_disjoint(a, o) for o in chosen.values())]
                if not pool:
                    break
                chosen[role] = rng.choice(pool)
            if len(chosen) != len(roles):
                continue
            tpool = [t for t in targets if t["kind"] in (tpl.get("target_kinds") or [t["kind"]])]
            target = rng.choice(tpool)
            paraphrase = rng.choice(target["paraphrases"])
            text = _render(tpl["text"], chosen, target, paraphrase)
            hits = forbidden_hits(text, spec)
            if hits:
                raise ConfigError(f"{cap}: template {tpl['text']!r} uses forbidden vocabulary {hits}: {text!r}")
            t_aliases = tuple(target["paraphrases"]) if c.get("target_aliases") == "paraphrases" else ()
            for role, gold in tpl["gold"].items():
                a = chosen[role]
                item = Item(
                    capability=cap, text=text, actor=a["name"], aliases=tuple(a["aliases"]), target=target["name"],
                    target_aliases=t_aliases, gold=gold, template=tpl["text"],
                    others={o["name"]: tuple(o["aliases"]) for r, o in chosen.items() if r != role},
                )
                if item.key() not in seen and len(items) < n_per_capability:
                    seen.add(item.key())
                    items.append(item)
        out.extend(items)
    return out


# ---------------------------------------------------------------------------------------------- running
def label_accepts_target(clf) -> bool:
    """Whether ``clf.label`` takes a `stancekit.targets.Target` for ``target``: its annotation says so, or a
    one-sentence call with a Target goes through."""
    try:
        from stancekit.targets import Target
    except ImportError:
        return False
    ann = inspect.signature(clf.label).parameters.get("target")
    if ann is not None and "Target" in str(ann.annotation):
        return True
    try:
        clf.label("Nepal lauded the plan.", target=Target("the plan", ("the scheme",)),
                  actors={"Nepal": ["Nepal"]}, progress=False)
    except (StancekitError, TypeError, AttributeError, ValueError):
        return False
    return True


def run_items(clf, items: list[Item], progress: bool | None = None) -> tuple[list[dict[str, Any]], str]:
    """Label every item through ``clf.label``; per item its prediction and scores. Also returns how the target
    was passed ("Target" or "name")."""
    use_target = any(it.target_aliases for it in items) and label_accepts_target(clf)
    if use_target:
        from stancekit.targets import Target
    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(items), desc="probes", unit="item")
    rows = []
    for it in items:
        target: Any = Target(it.target, it.target_aliases) if (use_target and it.target_aliases) else it.target
        actors = {it.actor: list(it.aliases), **{k: list(v) for k, v in it.others.items()}}
        doc = clf.label(it.text, target=target, actors=actors, progress=False)
        rec = next((r for r in doc.records if r.actor == it.actor), None)
        row = asdict(it)
        row["aliases"], row["target_aliases"] = list(it.aliases), list(it.target_aliases)
        row["others"] = {k: list(v) for k, v in it.others.items()}
        row["pred"] = rec.stance if rec is not None else "not_mentioned"
        row["correct"] = row["pred"] == it.gold
        row["stance_scores"] = (
            {k: round(float(v), 4) for k, v in rec.stance_scores.items()} if rec is not None else None
        )
        for extra in ("target_phrase", "attribution"):  # what the record says it asked, where it says so
            value = getattr(rec, extra, None) if rec is not None else None
            if value is not None:
                row[extra] = value
        rows.append(row)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return rows, ("Target" if use_target else "name")


def summarise(rows: list[dict[str, Any]], spec: dict[str, Any], capabilities: list[str]) -> list[dict[str, Any]]:
    """One row per capability: n, correct, accuracy, gold and predicted label counts, per-template counts,
    failing examples."""
    out = []
    for cap in capabilities:
        rs = [r for r in rows if r["capability"] == cap]
        correct = sum(r["correct"] for r in rs)
        c = spec["capabilities"][cap]
        out.append({
            "capability": cap,
            "description": c.get("description", ""),
            "gold_rule": c.get("gold_rule", ""),
            "n": len(rs),
            "correct": correct,
            "accuracy": correct / len(rs) if rs else None,
            "accuracy_ci95": wilson(correct, len(rs)),
            "gold_counts": dict(Counter(r["gold"] for r in rs)),
            "pred_counts": dict(Counter(r["pred"] for r in rs)),
            "templates": {t: {"n": sum(r["template"] == t for r in rs),
                              "correct": sum(r["correct"] for r in rs if r["template"] == t)}
                          for t in dict.fromkeys(r["template"] for r in rs)},
            "failures": [{k: r[k] for k in ("text", "actor", "target", "gold", "pred", "stance_scores")}
                         for r in rs if not r["correct"]][:N_FAILURES_SHOWN],
        })
    return out


def wilson(correct: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """95% Wilson score interval of an accuracy (None without items)."""
    if n == 0:
        return None
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _counts(c: dict[str, int]) -> str:
    keys = [k for k in (*STANCES, "not_mentioned") if c.get(k)]
    return " ".join(f"{k[:3]} {c[k]}" for k in keys) or "-"


def table(summary: list[dict[str, Any]]) -> str:
    lines = ["| capability | n | accuracy | 95% CI | gold | predicted |", "|---|---:|---:|---|---|---|"]
    for s in summary:
        acc = f"{s['accuracy']:.2f}" if s["accuracy"] is not None else "-"
        ci = "[{:.2f}, {:.2f}]".format(*s["accuracy_ci95"]) if s["accuracy_ci95"] else "-"
        lines.append(f"| {s['capability']} | {s['n']} | {acc} | {ci} | {_counts(s['gold_counts'])} | "
                     f"{_counts(s['pred_counts'])} |")
    n = sum(s["n"] for s in summary)
    correct = sum(s["correct"] for s in summary)
    macro = [s["accuracy"] for s in summary if s["accuracy"] is not None]
    lines.append(f"| **all** (micro / macro over capabilities) | {n} | {correct / n if n else 0:.2f} / "
                 f"{sum(macro) / len(macro) if macro else 0:.2f} | | | |")
    return "\n".join(lines)


def failures_text(summary: list[dict[str, Any]], markdown: bool) -> str:
    lines = []
    for s in summary:
        if not s["failures"]:
            continue
        lines.append(f"{'### ' if markdown else ''}{s['capability']}: {s['gold_rule']}")
        for f in s["failures"]:
            sc = f["stance_scores"]
            scores = " ".join(f"{k[:3]} {v:.2f}" for k, v in sc.items()) if sc else "no record"
            lines.append(f"{'- ' if markdown else '  '}{f['text']}  [{f['actor']} -> {f['target']}] gold {f['gold']}, "
                         f"got {f['pred']} ({scores})")
        lines.append("")
    return "\n".join(lines)


def _slug(model_name: str) -> str:
    """Output stem for a model: the last part of its path or hub id ("nli-minilm"; "bundled: nli-minilm" too)."""
    last = Path(str(model_name).split(": ")[-1].strip().rstrip("/")).name
    return re.sub(r"[^A-Za-z0-9._-]+", "-", last).strip("-.") or "behaviour"


def run(model: str | None, config: str | None, n_per_capability: int, seed: int, out_dir: Path,
        capabilities: list[str] | None = None, probes: str | Path = PROBES, name: str | None = None,
        progress: bool | None = None) -> dict[str, Any]:
    from stancekit.classifier import StanceClassifier

    spec = load_probes(probes)
    caps = capabilities or list(spec["capabilities"])
    items = generate(spec, n_per_capability, seed, caps)
    clf = StanceClassifier.from_pretrained(model, config)
    start = time.perf_counter()
    rows, target_mode = run_items(clf, items, progress=progress)
    seconds = time.perf_counter() - start
    summary = summarise(rows, spec, caps)
    name = name or _slug(clf.model_name)
    result = {
        "model": clf.model_name, "config": config, "probes": str(probes), "seed": seed,
        "n_per_capability": n_per_capability, "target_passed_as": target_mode, "seconds": round(seconds, 1),
        "capabilities": summary, "items": rows,
    }
    tab = table(summary)
    head = (f"model `{clf.model_name}`, label config `{config or 'default'}`, seed {seed}, "
            f"{n_per_capability} items per capability, target passed as {target_mode}; {len(rows)} items in "
            f"{seconds:.0f} s")
    md = "\n".join(["# Behavioural tests", "", head, "", tab, "", "## Failing examples", "",
                    failures_text(summary, markdown=True)])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (out_dir / f"{name}.md").write_text(md, encoding="utf-8")
    print(head)
    print(tab)
    print()
    print(failures_text(summary, markdown=False))
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="behaviour.py", description=__doc__.splitlines()[0])
    p.add_argument("--model", metavar="M", help="NLI model (default: $STANCEKIT_MODEL or bundled)")
    p.add_argument("--config", metavar="YAML", help="label config (default: the packaged one)")
    p.add_argument("--probes", default=str(PROBES), metavar="YAML", help="probe file (default: %(default)s)")
    p.add_argument("--n-per-capability", type=int, default=50, metavar="N")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--capabilities", metavar="A,B", help="comma-separated subset (default: all)")
    p.add_argument("--name", help="output file stem (default: the model's folder or hub name)")
    p.add_argument("-o", "--output", type=Path, default=Path("results/behaviour"), metavar="DIR")
    args = p.parse_args(argv)
    if args.n_per_capability < 1:
        p.error("--n-per-capability must be at least 1")
    quiet_libraries()
    caps = [c.strip() for c in args.capabilities.split(",") if c.strip()] if args.capabilities else None
    try:
        run(args.model, args.config, args.n_per_capability, args.seed, args.output, caps, args.probes, args.name)
    except StancekitError as exc:
        print(f"behaviour.py: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
