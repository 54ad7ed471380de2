"""Ray Data integration: label a distributed dataset of documents with ``map_batches``.

Ray does the scheduling (actor pool, back-pressure, retries, multi-node); stancekit only supplies
a callable class, so the model is loaded once per Ray actor rather than once per batch::

    import ray
    from stancekit.ray_backend import StancekitPredictor

    ds = ray.data.read_json("corpus.jsonl")                  # columns: id, text
    out = ds.map_batches(
        StancekitPredictor,
        fn_constructor_kwargs={"model": "path/to/model", "actors": {"Russia": ["Russia", "Moscow"]},
                               "target": "the plan"},
        concurrency=4,            # Ray actors, each with its own model copy
        num_cpus=2,               # CPU cores per actor (torch threads follow)
        batch_size=16,            # documents per call, scored as one de-duplicated job list
    )
    out.write_json("records/")

Each output row is one record (paragraph x actor) with its ``doc_id``; score dicts are flattened
to columns (``stance_support`` ...) so the result is a flat Arrow table that writes cleanly to
Parquet / JSON. Documents that mention no actor yield no rows.
"""
from __future__ import annotations

import os
from typing import Any, Mapping

from .output import CSV_COLUMNS
from .templates import SENTIMENT_LABELS, STANCE_LABELS

#: Output columns, in order: the CSV columns of `stancekit.output` with the document id first.
COLUMNS: tuple[str, ...] = ("doc_id", *CSV_COLUMNS)


def record_schema() -> Any:
    """Fixed Arrow schema of the output, so empty batches concatenate with full ones."""
    import pyarrow as pa

    fields = []
    for name in COLUMNS:
        if name in ("paragraph", "windows"):
            typ = pa.int64()
        elif name == "mentions":
            typ = pa.list_(pa.string())
        elif name == "split_windows":
            typ = pa.bool_()
        elif name.startswith(("stance_", "sentiment_")):
            typ = pa.float64()
        else:
            typ = pa.string()
        fields.append(pa.field(name, typ))
    return pa.schema(fields)


def _columns(batch: Any) -> dict[str, list]:
    """A Ray batch (dict of numpy arrays, pandas DataFrame or Arrow table) as plain lists."""
    if hasattr(batch, "to_pydict"):
        return batch.to_pydict()
    if hasattr(batch, "to_dict") and hasattr(batch, "columns"):
        return batch.to_dict("list")
    if isinstance(batch, Mapping):
        return {k: list(v) for k, v in batch.items()}
    raise TypeError(f"unsupported batch type {type(batch).__name__}")


class StancekitPredictor:
    """Callable class for ``Dataset.map_batches``: documents (id, text) -> flattened records.

    Constructor arguments are what `StanceClassifier.from_pretrained` and ``label_many`` take;
    ``threads`` defaults to the CPUs Ray gave this actor (``num_cpus``), so several actors on one
    node do not oversubscribe the cores.
    """

    def __init__(
        self,
        model: str | None = None,
        config: Any = None,
        actors: Any = None,
        target: str | None = None,
        *,
        id_column: str = "id",
        text_column: str = "text",
        docs_per_batch: int = 16,
        threads: int | None = None,
        trust_remote_code: bool = False,
        **overrides: Any,
    ) -> None:
        from .classifier import StanceClassifier
        from .corpus import _actors_map

        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        if threads is None:
            threads = _ray_cpus()
        if threads:
            import torch

            torch.set_num_threads(int(threads))
        self.actors, spec_target = _actors_map(actors if actors is not None else {})
        self.clf = StanceClassifier.from_pretrained(model, config, trust_remote_code=trust_remote_code, **overrides)
        self.target = target if target is not None else (spec_target or self.clf.config.target)
        self.id_column = id_column
        self.text_column = text_column
        self.docs_per_batch = docs_per_batch
        self.schema = record_schema()

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        cols = _columns(batch)
        texts = cols.get(self.text_column)
        if texts is None:
            raise KeyError(f"batch has no text column {self.text_column!r} (columns: {', '.join(cols)})")
        ids = cols.get(self.id_column) or [None] * len(texts)
        docs = [(str(i) if i is not None else None, "" if t is None else str(t)) for i, t in zip(ids, texts)]
        out: dict[str, list] = {name: [] for name in COLUMNS}
        results = self.clf.label_many(docs, self.target, self.actors, docs_per_batch=self.docs_per_batch, progress=False)
        for res in results:
            for rec in res.records:
                row = rec.to_dict()
                out["doc_id"].append(rec.doc_id)
                for key in ("paragraph", "actor", "mentions", "stance", "sentiment", "evidence", "windows", "split_windows"):
                    out[key].append(row[key])
                for key in ("target_phrase", "attribution", "actor_phrase"):
                    out[key].append(row.get(key) or "")
                out["target"].append(res.target)
                for k in STANCE_LABELS:
                    out[f"stance_{k}"].append(float(rec.stance_scores.get(k, 0.0)))
                for k in SENTIMENT_LABELS:
                    out[f"sentiment_{k}"].append(float(rec.sentiment_scores.get(k, 0.0)))
        return pa.table(out, schema=self.schema)


def _ray_cpus() -> int | None:
    """CPUs assigned to the current Ray actor/task (None outside Ray or if unknown)."""
    try:
        import ray

        if not ray.is_initialized():
            return None
        res = ray.get_runtime_context().get_assigned_resources()
        cpus = int(res.get("CPU", 0))
        return cpus or None
    except Exception:
        return None
