"""相似文本: Chinese word segmentation (jieba) and TF-IDF cosine similarity (scikit-learn).

Used wherever Renda looks for alike texts: similar suggestions when a deputy writes or staff
review, duplicate citizens' opinions. Scores are cosine similarities in [0, 1].
"""

from __future__ import annotations

import logging
import re
from collections.abc import Hashable, Sequence
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)

# Words that say nothing about what a text is about.
STOPWORDS = frozenset(
    "的 了 和 与 及 或 在 是 我 我们 你 您 他 她 它 这 那 有 也 就 都 而 并 对 把 被 从 为 以 之 于 "
    "等 请 希望 建议 要求 问题 关于 进一步 加强 一个 一些 没有 可以 进行 相关 方面 目前 存在".split()
)
_WORD = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9]{2,}")


@lru_cache(maxsize=4096)
def _segment(text: str) -> tuple[str, ...]:
    return tuple(jieba.lcut_for_search(text))


def tokens(text: str) -> list[str]:
    """The content words of ``text``: jieba's search-mode segmentation without stop words."""
    return [w.lower() for w in _segment(text) if _WORD.search(w) and w not in STOPWORDS]


def most_similar(
    query: str,
    candidates: Sequence[tuple[Hashable, str]],
    *,
    limit: int = 5,
    min_score: float = 0.1,
) -> list[tuple[Hashable, float]]:
    """The ``candidates`` (key, text) most alike ``query``, best first, with their scores."""
    if not candidates or not tokens(query):
        return []
    # scikit-learn takes seconds to import: only the processes that compare texts pay for it.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    vectorizer = TfidfVectorizer(tokenizer=tokens, lowercase=False, token_pattern=None)
    try:
        matrix = vectorizer.fit_transform([query, *(text for _, text in candidates)])
    except ValueError:  # no content word anywhere
        return []
    scores = linear_kernel(matrix[0:1], matrix[1:]).ravel()
    ranked = sorted(zip((key for key, _ in candidates), scores, strict=True), key=lambda kv: -kv[1])
    return [(key, round(float(score), 4)) for key, score in ranked[:limit] if score >= min_score]
