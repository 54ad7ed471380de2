"""External benchmark loaders, label mapping, metrics and the benchmark_quality script end to end.

Every test writes tiny files in the benchmarks' real layouts into tmp_path; nothing reads /work/shared.
"""
from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from stancekit import benchmarks as B
from stancekit.config import load_config
from stancekit.errors import ConfigError, InputError

ROOT = Path(__file__).resolve().parent.parent


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture
def bench_root(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    _jsonl(root / "semeval2016_stance" / "trial_tokenized.jsonl", [
        {"id": "trial-1", "target": "Hillary Clinton", "text": "she wiped the server clean", "stance": "AGAINST"},
        {"id": "trial-2", "target": "Hillary Clinton", "text": "Hillary is our best choice", "stance": "FAVOR"},
        {"id": "trial-3", "target": "Legalization of Abortion", "text": "nice weather today", "stance": "NONE"},
    ])
    _jsonl(root / "vast" / "dev.jsonl", [
        {"text": "Comment sections drive away good writers.", "topic": "comment section", "stance": "AGAINST", "seen": 1},
        {"text": "Eat less, lose weight.", "topic": "personal accountability", "stance": "FAVOR", "seen": 0},
        {"text": "The sky is blue.", "topic": "taxes", "stance": "NONE", "seen": 0},
    ])
    for who, name in (("trump", "Donald Trump"), ("biden", "Joe Biden"), ("bernie", "Bernie Sanders")):
        _jsonl(root / "pstance" / f"val_{who}.jsonl", [
            {"text": f"{name} is great", "target": name, "stance": "FAVOR"},
            {"text": f"{name} is bad", "target": name, "stance": "AGAINST"},
        ])
    for key in B.COVID_TARGETS:
        _jsonl(root / "covid19_stance" / f"val_{key}.jsonl", [
            {"text": "wear it", "target": key, "stance": "FAVOR", "opinion_towards": "1.", "sentiment": "pos", "tweet_id": f"{key}1"},
            {"text": "no way", "target": key, "stance": "AGAINST", "opinion_towards": "1.", "sentiment": "neg", "tweet_id": f"{key}2"},
            {"text": "hmm", "target": key, "stance": "NONE", "opinion_towards": "3.", "sentiment": "other", "tweet_id": f"{key}3"},
        ])
    _jsonl(root / "ibm_argq_30k_stance" / "val.jsonl", [
        {"argument": "zero tolerance ignores nuance.", "topic": "We should adopt a zero-tolerance policy in schools", "stance": "AGAINST", "set": "dev"},
        {"argument": "tests harm self esteem.", "topic": "Intelligence tests bring more harm than good.", "stance": "FAVOR", "set": "dev"},
    ])
    _jsonl(root / "perspectrum_stance" / "dev.jsonl", [
        {"claim_id": 499, "claim": "Vaccination must be made compulsory", "perspective_id": 1, "perspective": "The state must keep its community safe.",
         "stance": "SUPPORT", "stance_5": "SUPPORT", "voter_counts": [3, 0, 0, 0, 0], "source": "idebate"},
        {"claim_id": 499, "claim": "Vaccination must be made compulsory", "perspective_id": 2, "perspective": "Bodily autonomy comes first.",
         "stance": "UNDERMINE", "stance_5": "UNDERMINE", "voter_counts": [0, 0, 0, 0, 3], "source": "idebate"},
    ])
    mt = [
        {"primary_gid": "g1", "sentence_normalized": "Gallup found boosts in Obama's approval rating.", "targets": [
            {"Input.gid": "g1a", "from": 33, "to": 38, "mention": "Obama", "polarity": 6.0, "further_mentions": []},
            {"Input.gid": "g1b", "from": 0, "to": 6, "mention": "Gallup", "polarity": 4.0, "further_mentions": []},
        ]},
        {"primary_gid": "g2", "sentence_normalized": "Critics attacked Cruz over the shutdown.", "targets": [
            {"Input.gid": "g2a", "from": 17, "to": 21, "mention": "Cruz", "polarity": 2.0, "further_mentions": []},
        ]},
    ]
    _jsonl(root / "newsmtsc" / "dev_mt.jsonl", mt)
    _jsonl(root / "newsmtsc" / "dev_rw.jsonl", mt[1:])
    (root / "persent").mkdir(parents=True)
    cols = ["DOCUMENT_INDEX", "TITLE", "TARGET_ENTITY", "DOCUMENT", "MASKED_DOCUMENT", "TRUE_SENTIMENT"] + [f"Paragraph{i}" for i in range(16)]
    docs = [
        ("10", "Ann Lee", "Ann Lee won the award.\nThe weather was cold.\nShe was praised, \"again\", by all.", ["Positive", "Neutral", "Positive"]),
        ("11", "Bo Chan", "Bo Chan was fined.\nMarkets fell.", ["Negative", ""]),
        ("12", "Cy Dee", "No labels here.", []),
    ]
    with (root / "persent" / "dev.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for idx, ent, doc, labs in docs:
            row = {c: "" for c in cols}
            row.update(DOCUMENT_INDEX=idx, TITLE="t", TARGET_ENTITY=ent, DOCUMENT=doc, MASKED_DOCUMENT=doc, TRUE_SENTIMENT="Neutral")
            for k, lab in enumerate(labs):
                row[f"Paragraph{k}"] = lab
            w.writerow(row)
    return root


# ------------------------------------------------------------------------------------------- loaders
def test_semeval_loader_maps_labels(bench_root):
    items = B.load("semeval", bench_root)
    assert [(i.id, i.label, i.target, i.task) for i in items] == [
        ("semeval-trial-trial-1", "oppose", "Hillary Clinton", "stance"),
        ("semeval-trial-trial-2", "support", "Hillary Clinton", "stance"),
        ("semeval-trial-trial-3", "neutral", "Legalization of Abortion", "stance"),
    ]


def test_vast_pstance_covid_loaders(bench_root):
    vast = B.load("vast", bench_root)
    assert [i.label for i in vast] == ["oppose", "support", "neutral"]
    assert vast[0].target == "comment section"
    ps = B.load("pstance", bench_root)
    assert len(ps) == 6 and {i.label for i in ps} == {"support", "oppose"}
    assert {i.group for i in ps} == {"trump", "biden", "bernie"}
    assert ps[0].target == "Donald Trump"
    cv = B.load("covid", bench_root)
    assert len(cv) == 12
    assert {i.target for i in cv} == set(B.COVID_TARGETS.values())
    assert cv[0].id == "covid-val-fauci-fauci1"


def test_argq_and_perspectrum_targets_as_in_training(bench_root):
    aq = B.load("argq", bench_root)
    assert aq[0].target == "the proposal that we should adopt a zero-tolerance policy in schools"
    assert aq[1].target == "the proposal that intelligence tests bring more harm than good"  # trailing dot dropped
    assert [i.label for i in aq] == ["oppose", "support"]
    pp = B.load("perspectrum", bench_root)
    assert [i.label for i in pp] == ["support", "oppose"]
    assert pp[0].target == "the claim that vaccination must be made compulsory"
    assert pp[1].text == "Bodily autonomy comes first."


def test_newsmtsc_one_item_per_target(bench_root):
    mt = B.load("newsmtsc-mt", bench_root)
    assert [(i.target, i.label, i.task) for i in mt] == [
        ("Obama", "positive", "sentiment"), ("Gallup", "neutral", "sentiment"), ("Cruz", "negative", "sentiment")]
    assert mt[0].text == mt[1].text == "Gallup found boosts in Obama's approval rating."
    assert len({i.id for i in mt}) == 3
    assert [i.target for i in B.load("newsmtsc-rw", bench_root)] == ["Cruz"]


def test_persent_paragraphs_align_with_labels(bench_root):
    items = B.load("persent", bench_root)
    assert [(i.id, i.label, i.target) for i in items] == [
        ("persent-dev-10-0", "positive", "Ann Lee"),
        ("persent-dev-10-1", "neutral", "Ann Lee"),
        ("persent-dev-10-2", "positive", "Ann Lee"),
        ("persent-dev-11-0", "negative", "Bo Chan"),
    ]
    # the paragraph that does not name the entity is kept, with the entity as actor
    assert items[1].text == "The weather was cold."
    assert items[2].text == 'She was praised, "again", by all.'


def test_unknown_label_and_missing_file(bench_root, tmp_path):
    _jsonl(bench_root / "vast" / "dev.jsonl", [{"text": "x", "topic": "y", "stance": "MAYBE", "seen": 0}])
    with pytest.raises(InputError, match="unknown label 'MAYBE'"):
        B.load("vast", bench_root)
    with pytest.raises(InputError, match="benchmark file not found"):
        B.load("semeval", tmp_path / "nowhere")


def test_select_and_limit(bench_root):
    assert B.select("all") == list(B.BENCHMARKS)
    assert B.select("newsmtsc,semeval") == ["semeval", "newsmtsc-mt", "newsmtsc-rw"]
    with pytest.raises(ConfigError, match="unknown benchmark"):
        B.select("semeval,nope")
    a = B.load("covid", bench_root, limit=5, seed=3)
    b = B.load("covid", bench_root, limit=5, seed=3)
    full = B.load("covid", bench_root)
    assert [i.id for i in a] == [i.id for i in b] and len(a) == 5
    order = [i.id for i in full]
    assert [order.index(i.id) for i in a] == sorted(order.index(i.id) for i in a)  # file order kept


def test_registry_is_complete():
    for name, bench in B.BENCHMARKS.items():
        assert bench.metric in ("f_avg", "macro_f1"), name
        assert bench.task in B.TASKS and bench.split_name and bench.files
        if bench.binary:
            assert bench.labels == ("support", "oppose")
    assert B.BENCHMARKS["semeval"].published_best == pytest.approx(67.82)
    assert B.BENCHMARKS["newsmtsc-rw"].published_best == pytest.approx(83.1)


# ------------------------------------------------------------------------------------------- metrics
def test_f_avg_on_known_values():
    m = B.BENCHMARKS["semeval"].metric_fn()
    gold = ["support", "support", "oppose", "oppose", "neutral", "neutral"]
    pred = ["support", "neutral", "oppose", "support", "neutral", "oppose"]
    # support: P=1/2 R=1/2 F=0.5 ; oppose: P=1/2 R=1/2 F=0.5 -> F_avg 0.5 (neutral F1 not averaged)
    assert m(gold, pred) == pytest.approx(0.5)
    assert m(["support", "oppose"], ["support", "oppose"]) == pytest.approx(1.0)
    # all-neutral predictions score 0 even though neutral is half right
    assert m(gold, ["neutral"] * 6) == 0.0


def test_macro_f1_three_class_and_binary():
    m3 = B.BENCHMARKS["newsmtsc-mt"].metric_fn()
    gold = ["positive", "negative", "neutral", "neutral"]
    pred = ["positive", "neutral", "neutral", "negative"]
    # positive 1.0, negative 0.0, neutral P=1/2 R=1/2 -> 0.5 ; mean 0.5
    assert m3(gold, pred) == pytest.approx(0.5)
    m2 = B.BENCHMARKS["argq"].metric_fn()
    # support: P=2/3 R=1 F=0.8 ; oppose: P=1 R=1/2 F=2/3
    assert m2(["support", "support", "oppose", "oppose"], ["support", "support", "support", "oppose"]) == pytest.approx((0.8 + 2 / 3) / 2)


def test_pstance_metric_is_mean_over_targets():
    m = B.BENCHMARKS["pstance"].metric_fn()
    gold = [("trump", "support"), ("trump", "oppose"), ("biden", "support"), ("biden", "oppose")]
    pred = [("trump", "support"), ("trump", "oppose"), ("biden", "oppose"), ("biden", "support")]
    assert m(gold, pred) == pytest.approx(0.5)  # trump 1.0, biden 0.0


def test_score_reports_ci_and_confusion():
    bench = B.BENCHMARKS["semeval"]
    items = [B.BenchItem(str(i), "t", "x", lab, "stance") for i, lab in enumerate(["support", "oppose", "neutral"] * 4)]
    res = B.score(bench, items, [it.label for it in items], n_boot=50)
    assert res["value"] == res["ci_low"] == res["ci_high"] == 1.0
    assert res["confusion"]["matrix"] == [[4, 0, 0], [0, 4, 0], [0, 0, 4]]


# ------------------------------------------------------------------------------------------- zero-shot
def test_pairs_use_label_templates_and_framing():
    cfg = load_config()
    st = B.BenchItem("1", "We need the plan.", "the plan", "support", "stance")
    prem, hyps = B.item_hypotheses(st, cfg.templates, "quoted")
    assert prem == 'The author wrote: "We need the plan."'
    assert hyps == cfg.templates.stance_hypotheses("The author", "the plan")
    prem, _ = B.item_hypotheses(st, cfg.templates, "plain")
    assert prem == "We need the plan."
    se = B.BenchItem("2", "Critics attacked Cruz.", "Cruz", "negative", "sentiment")
    prem, hyps = B.item_hypotheses(se, cfg.templates, "quoted")
    assert prem == "Critics attacked Cruz." and hyps == cfg.templates.sentiment_hypotheses("Cruz")
    with pytest.raises(ConfigError):
        B.item_hypotheses(st, cfg.templates, "sideways")
    # with mention marking (a model trained with marked premises): the asked actor is marked, as `label` does
    assert B.item_hypotheses(st, cfg.templates, "quoted", mark=True)[0] == '[The author] wrote: "We need the plan."'
    assert B.item_hypotheses(st, cfg.templates, "plain", mark=True)[0] == "We need the plan."
    assert B.item_hypotheses(se, cfg.templates, "quoted", mark=True)[0] == "Critics attacked [Cruz]."


def test_decision_rule_and_binary_argmax():
    item = B.BenchItem("1", "t", "x", "support", "stance")
    index: dict = {}
    cfg = load_config()
    job3 = B.build_jobs([item], cfg.templates, "plain", index)[0]
    job2 = B.build_jobs([item], cfg.templates, "plain", index, binary=True)[0]
    assert len(index) == 2  # the binary job re-uses the same two pairs
    probs = np.zeros((2, 3), np.float32)
    sup, opp = job3.ids["support"][0], job3.ids["oppose"][0]
    probs[sup] = [0.2, 0.7, 0.1]  # mostly neutral, slightly supporting
    probs[opp] = [0.05, 0.8, 0.15]
    lab3, scores = B.decide_job(job3, probs, two_way=False, neutral_margin=0.0)
    assert lab3 == "neutral" and scores["neutral"] == pytest.approx(0.75)
    lab2, _ = B.decide_job(job2, probs, two_way=False, neutral_margin=0.0)
    assert lab2 == "support"


def test_run_zero_shot_shares_one_job_list(bench_root, nli3_scorer):
    cfg = load_config()
    data = {"semeval": B.load("semeval", bench_root), "newsmtsc-mt": B.load("newsmtsc-mt", bench_root)}
    seen = []
    results, preds, n = B.run_zero_shot(nli3_scorer, cfg, data, ["plain", "quoted"], n_boot=20, on_pairs=seen.append)
    # 3 stance items x 2 framings x 2 hypotheses + 3 sentiment items x 2 hypotheses, no duplicates
    assert n == len(seen[0]) == len(set(seen[0])) == 3 * 2 * 2 + 3 * 2
    assert [(r["benchmark"], r["framing"], r["n"]) for r in results] == [
        ("semeval", "plain", 3), ("semeval", "quoted", 3), ("newsmtsc-mt", "-", 3)]
    assert len(preds) == 9
    assert all(p["pred"] in ("support", "oppose", "neutral", "positive", "negative") for p in preds)
    for r in results:
        assert 0.0 <= r["ci_low"] <= r["value"] <= r["ci_high"] <= 1.0


# ------------------------------------------------------------------------------------------- script
def _script():
    spec = importlib.util.spec_from_file_location("benchmark_quality", ROOT / "scripts" / "benchmark_quality.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_benchmark_quality_end_to_end(bench_root, tiny_models, tmp_path, capsys):
    out = tmp_path / "out"
    rc = _script().main([
        "--model", str(tiny_models["nli3"]), "--device", "cpu", "--data-dir", str(bench_root),
        "--benchmarks", "all", "--limit", "2", "--bootstrap", "20", "--out", str(out),
    ])
    assert rc == 0
    printed = capsys.readouterr()
    assert "SemEval-2016 Task 6A" in printed.out and "67.8 (test)" in printed.out
    assert "unique NLI pairs" in printed.err
    meta = json.loads((out / "results.json").read_text())
    assert [r["benchmark"] for r in meta["results"]] == list(B.BENCHMARKS)
    sizes = {r["benchmark"]: r["n"] for r in meta["results"]}
    assert sizes == {name: (1 if name == "newsmtsc-rw" else 2) for name in B.BENCHMARKS}  # rw fixture has 1 item
    assert meta["framings"] == [B.DEFAULT_FRAMING]
    md = (out / "results.md").read_text()
    assert md.count("\n| ") == 1 + len(B.BENCHMARKS)
    preds = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(preds) == sum(sizes.values())


def test_benchmark_quality_errors_are_one_line(bench_root, tmp_path, capsys):
    rc = _script().main(["--benchmarks", "nope", "--data-dir", str(bench_root), "--out", str(tmp_path / "o")])
    assert rc == 2
    assert "error: unknown benchmark 'nope'" in capsys.readouterr().err


def test_benchmark_quality_dry_run_counts_pairs(bench_root, capsys):
    rc = _script().main(["--dry-run", "--data-dir", str(bench_root), "--benchmarks", "semeval,vast", "--framing", "both"])
    assert rc == 0
    assert "24 unique NLI pairs" in capsys.readouterr().out  # 6 stance items x 2 framings x 2 hypotheses


def test_stance_configs_load():
    from stancekit.finetune.config import load_finetune_config

    for name in ("stance-mix", "stance-semeval"):
        cfg = load_finetune_config(ROOT / "configs" / f"{name}.yaml")
        # stance-mix continues the NLI training chain; stance-semeval the bundled model
        assert cfg.model.base in ("runs/nli-minilm-more/model", "stancekit:default")
        assert any(s.format == "stance" for s in cfg.data.train)
        trained = {str(Path(s.path).relative_to("../shared/data")) for s in cfg.data.train}
        stance_dev = {"vast/dev.jsonl", "newsmtsc/dev_mt.jsonl", "newsmtsc/dev_rw.jsonl", "perspectrum_stance/dev.jsonl",
                      "ibm_argq_30k_stance/val.jsonl", "semeval2016_stance/trial_tokenized.jsonl"}
        assert not trained & stance_dev


def _finetune_configs():
    import yaml

    return [p for p in sorted((ROOT / "configs").glob("*.yaml")) if "model" in (yaml.safe_load(p.read_text()) or {})]


def test_every_finetune_config_loads_and_never_trains_on_what_it_evaluates():
    from stancekit.finetune.config import load_finetune_config

    paths = _finetune_configs()
    assert {p.stem for p in paths} >= {"nli-minilm", "nli-minilm-more", "nli-minilm-1c", "stance-mix", "stance-semeval",
                                       "example-own-data"}
    outputs = {}
    for p in paths:
        cfg = load_finetune_config(p)
        outputs[f"{cfg.output_dir}/model"] = p.stem
        trained = {s.path for s in cfg.data.train}
        held_out = {s.path for s in cfg.data.evaluate} | set(cfg.data.dedup_against)
        assert not trained & held_out, (p.name, trained & held_out)
        # the NLI evaluation sets of the model card stay out of every training mix
        assert not {t for t in trained if t.endswith(("snli/test.jsonl", "dev_mismatched.jsonl", "cad_snli/raw/all_combined/test.tsv"))}
        assert not {t for t in trained if "/anli/" in t or "/xnli_en/" in t}
    for p in paths:
        base = load_finetune_config(p).model.base
        # a chained stage names a base that another config in configs/ produces, so the chain rebuilds as it is
        if base.startswith("runs/"):
            assert base in outputs, f"{p.name}: base {base} is not the output of any config in configs/"
