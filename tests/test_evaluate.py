"""evaluate() end to end on a 4-item eval set with a tiny real NLI model (conftest.tiny_models)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancekit.errors import ConfigError
from stancekit.evaluation.run import SYSTEMS, evaluate

ITEMS = [
    ("e1", "Germany is against the plan.", "Germany", ["Germany"], "oppose", "neutral"),
    ("e2", "Trump supports the plan and praised it.", "Trump", ["Trump"], "support", "positive"),
    ("e3", "If Moscow accepts the plan, the war ends.", "Russia", ["Moscow"], "neutral", "neutral"),
    ("e4", "Kyiv rejected the plan; Ukraine is the loser.", "Ukraine", ["Kyiv", "Ukraine"], "oppose", "negative"),
]


def _write_set(path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for id_, text, actor, mentions, stance, sentiment in ITEMS:
            f.write(json.dumps(dict(id=id_, text=text, actor=actor, mentions=mentions, target="the plan",
                                    stance=stance, sentiment=sentiment, split="gold")) + "\n")
    return path


def test_evaluate_end_to_end(tiny_models, tmp_path, capsys):
    eval_set = _write_set(tmp_path / "four.jsonl")
    out = tmp_path / "results"
    result = evaluate(model=str(tiny_models["nli3"]), config=None, eval_set=str(eval_set), split="gold",
                      out_dir=out, n_boot=50)
    for name in ("predictions.jsonl", "metrics.json", "report.md", "confusion.png"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert (out / "confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    preds = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(preds) == 4 * len(SYSTEMS)
    assert {p["system"] for p in preds} == set(SYSTEMS)
    assert {p["id"] for p in preds} == {"e1", "e2", "e3", "e4"}
    for p in preds:
        assert p["stance"] in ("support", "oppose", "neutral")
        assert p["sentiment"] in ("positive", "negative", "neutral")
    # every stancekit prediction comes from a real record (the actor was found in the text)
    assert not [p for p in preds if p["system"] == "stancekit" and p.get("note") == "no_record"]

    on_disk = json.loads((out / "metrics.json").read_text())
    assert on_disk == json.loads(json.dumps(result))
    assert on_disk["meta"]["n"] == 4
    # The majority system predicts "oppose" (2 of 4) for every item: accuracy 0.5, known by hand.
    maj = on_disk["systems"]["majority"]["stance"]
    assert maj["accuracy"]["value"] == pytest.approx(0.5)
    assert maj["confusion"]["matrix"] == [[0, 1, 0], [0, 2, 0], [0, 1, 0]]
    # ... with full confidence on every item, so its calibration error is 1 - accuracy
    assert maj["ece"] == pytest.approx(0.5)
    assert all(0.0 <= on_disk["systems"][s][t]["ece"] <= 1.0 for s in SYSTEMS for t in ("stance", "sentiment"))
    # The lexicon gets e1 (against), e2 (supports) and e4 (rejected) right and e3 ("If ... accepts") wrong.
    lex = [p for p in preds if p["system"] == "lexicon"]
    assert [p["stance"] for p in lex] == ["oppose", "support", "support", "oppose"]
    for s in SYSTEMS:
        ci = on_disk["systems"][s]["stance"]["accuracy"]
        assert ci["low"] <= ci["value"] <= ci["high"]

    report = (out / "report.md").read_text()
    for s in SYSTEMS:
        assert f"| {s} |" in report
    assert "Confusion matrices (stancekit)" in report
    assert "Per actor" in report
    assert "Expected calibration error" in report and "majority 0.50 /" in report
    printed = capsys.readouterr().out
    assert "| system | stance acc | stance macro-F1 | sentiment acc | sentiment macro-F1 |" in printed


def test_evaluate_rejects_unknown_system(tmp_path):
    with pytest.raises(ConfigError, match="unknown system"):
        evaluate(eval_set=str(_write_set(tmp_path / "s.jsonl")), out_dir=tmp_path / "r", systems=["oracle"])


def test_baselines_only_need_no_model(tmp_path):
    result = evaluate(model="/nonexistent/model", eval_set=str(_write_set(tmp_path / "s.jsonl")),
                      out_dir=tmp_path / "r", systems=["majority", "lexicon"], n_boot=20, quiet=True)
    assert set(result["systems"]) == {"majority", "lexicon"}
    assert (tmp_path / "r" / "confusion.png").is_file()


def test_cli_evaluate(tiny_models, tmp_path, capsys):
    from stancekit.cli import main

    eval_set = _write_set(tmp_path / "four.jsonl")
    rc = main(["evaluate", "--model", str(tiny_models["nli3"]), "--eval-set", str(eval_set),
               "--systems", "lexicon", "stancekit", "--bootstrap", "20", "-o", str(tmp_path / "cli")])
    assert rc == 0
    metrics = json.loads((tmp_path / "cli" / "metrics.json").read_text())
    assert list(metrics["systems"]) == ["lexicon", "stancekit"]
    rc = main(["evaluate", "--eval-set", str(tmp_path / "missing.jsonl"), "--systems", "lexicon",
               "-o", str(tmp_path / "x")])
    assert rc == 2
    assert "eval set not found" in capsys.readouterr().err


def test_zero_shot_scores_are_a_distribution(tiny_models, tmp_path):
    from stancekit.evaluation.run import _items_from

    result = evaluate(model=str(tiny_models["nli3"]), eval_set=str(_write_set(tmp_path / "s.jsonl")),
                      out_dir=tmp_path / "r", systems=["zero-shot"], n_boot=10, quiet=True)
    rows = [json.loads(line) for line in (tmp_path / "r" / "predictions.jsonl").read_text().splitlines()]
    for row in rows:
        for key, labels in (("stance_scores", {"support", "oppose", "neutral"}),
                            ("sentiment_scores", {"positive", "negative", "neutral"})):
            assert set(row[key]) == labels
            assert sum(row[key].values()) == pytest.approx(1.0, abs=1e-3)
            assert row[key.split("_")[0]] == max(row[key], key=row[key].get)
    assert result["meta"]["n"] == len(_items_from(str(tmp_path / "s.jsonl"), "gold")[0])


def test_templates_sensitivity_script(tiny_models, tmp_path, capsys):
    import importlib.util

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("templates_sensitivity", root / "scripts" / "templates_sensitivity.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    configs = [root / "configs" / "default.yaml", root / "configs" / "templates" / "ensemble.yaml"]
    assert all(c.is_file() for c in configs)
    assert len(mod.default_sets()) >= 5
    result = mod.run(str(tiny_models["nli3"]), configs, str(_write_set(tmp_path / "s.jsonl")), "gold",
                     tmp_path / "tpl", n_boot=20, seed=0)
    assert [r["template_set"] for r in result["rows"]] == ["default", "ensemble"]
    assert len(result["rows"][1]["stance_templates"]["support"]) == 3
    sp = result["spread"]["stance_macro_f1"]
    vals = [r["stance_macro_f1"]["value"] for r in result["rows"]]
    assert (sp["min"], sp["max"]) == (min(vals), max(vals))
    assert (tmp_path / "tpl" / "templates.json").is_file() and (tmp_path / "tpl" / "templates.md").is_file()
    assert "| ensemble |" in capsys.readouterr().out


def test_whole_documents_reads_a_paragraph_after_the_one_before(tiny_models):
    """With ``whole_documents`` a document's paragraphs are labelled together: "the move" of the second paragraph
    is read as the withdrawal the first reports; alone, the paragraph says no more than "the move"."""
    from stancekit.attribution import load_parser
    from stancekit.classifier import StanceClassifier
    from stancekit.evaluation.run import predict_stancekit

    if load_parser() is None:
        pytest.skip("spaCy English pipeline not installed")
    clf = StanceClassifier.from_pretrained(str(tiny_models["nli3"]), premise="clause")
    texts = ["Chile announced its withdrawal from the deal.", "Norway welcomed the move."]
    items = [dict(id=f"d-p{i}", doc_id="d", paragraph=i, text=t, actor=a, aliases=[a], mentions=[a], target="the deal",
                  target_aliases=[], stance="neutral", sentiment="neutral")
             for i, (t, a) in enumerate(zip(texts, ["Chile", "Norway"]))]
    alone = predict_stancekit(items, clf)
    together = predict_stancekit(items, clf, whole_documents=True)
    assert alone[1].evidence == "Norway welcomed the move."
    assert together[1].evidence == "Norway welcomed the move to withdraw from the deal."
    assert together[0].evidence == alone[0].evidence  # the first paragraph reads the same either way


def test_cli_evaluate_whole_documents(tiny_models, tmp_path):
    """`--whole-documents` reaches the results folder; texts without a document id are still labelled one by one."""
    from stancekit.cli import main

    rows = [dict(id=f"d-p{i}", doc_id="d", paragraph=i, text=t, actor=a, mentions=[a], target="the deal",
                 stance="neutral", sentiment="neutral", split="dev")
            for i, (t, a) in enumerate([("Chile announced its withdrawal from the deal.", "Chile"),
                                        ("Norway welcomed the move.", "Norway")])]
    path = tmp_path / "doc.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    rc = main(["evaluate", "--model", str(tiny_models["nli3"]), "--eval-set", str(path), "--split", "dev",
               "--systems", "stancekit", "--bootstrap", "20", "--whole-documents", "-o", str(tmp_path / "docs")])
    assert rc == 0
    assert json.loads((tmp_path / "docs" / "metrics.json").read_text())["meta"]["whole_documents"] is True
    assert "--whole-documents" in (tmp_path / "docs" / "report.md").read_text()

    from stancekit.classifier import StanceClassifier
    from stancekit.evaluation.run import predict_stancekit

    clf = StanceClassifier.from_pretrained(str(tiny_models["nli3"]), premise="clause")
    loose = [{**r, "doc_id": "", "paragraph": 0, "aliases": [], "target_aliases": []} for r in rows]
    assert [p.evidence for p in predict_stancekit(loose, clf, whole_documents=True)] == [
        p.evidence for p in predict_stancekit(loose, clf)]
