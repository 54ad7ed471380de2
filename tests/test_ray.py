"""Ray Data backend on a local one-CPU Ray instance with a tiny real model (skipped without ray)."""
from __future__ import annotations

import pytest

ray = pytest.importorskip("ray")

from stancekit.classifier import StanceClassifier  # noqa: E402
from stancekit.ray_backend import COLUMNS, StancekitPredictor  # noqa: E402

ACTORS = {"Trump": ["Trump"], "Russia": ["Russia", "Moscow"], "Germany": ["Germany"]}
DOCS = [
    {"id": "a", "text": "Russia welcomed the plan. Trump presented the plan.\n\nGermany is against it."},
    {"id": "b", "text": "MNA"},
    {"id": "c", "text": "Trump threatened other measures against Germany."},
]


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def test_predictor_is_a_plain_callable(tiny_models):
    """No Ray needed to call it: the same records as StanceClassifier, flattened."""
    pred = StancekitPredictor(str(tiny_models["nli3"]), actors=ACTORS, target="the plan", device="cpu")
    table = pred({"id": [d["id"] for d in DOCS], "text": [d["text"] for d in DOCS]})
    assert table.column_names == list(COLUMNS)
    rows = table.to_pylist()
    clf = StanceClassifier.from_pretrained(tiny_models["nli3"], device="cpu")
    expected = [r for d in DOCS for r in clf.label(d["text"], "the plan", ACTORS, doc_id=d["id"]).records]
    assert [(r["doc_id"], r["paragraph"], r["actor"], r["stance"]) for r in rows] == [
        (r.doc_id, r.paragraph, r.actor, r.stance) for r in expected
    ]
    assert rows[0]["stance_support"] == pytest.approx(expected[0].stance_scores["support"], abs=1e-6)
    assert pred({"id": [], "text": []}).num_rows == 0


def test_map_batches_on_local_ray(tiny_models, local_ray):
    ds = ray.data.from_items(DOCS)
    out = ds.map_batches(
        StancekitPredictor,
        fn_constructor_kwargs={"model": str(tiny_models["nli3"]), "actors": ACTORS, "target": "the plan",
                               "device": "cpu"},
        concurrency=1,
        batch_size=2,
        num_cpus=1,
    )
    rows = out.take_all()
    assert {r["doc_id"] for r in rows} == {"a", "c"}  # b mentions nobody
    assert all(set(COLUMNS) <= set(r) for r in rows)
    assert len(rows) == 5  # a: Trump, Russia, Germany; c: Trump, Germany
