"""Charts of the memo as PNG bytes (matplotlib, headless)."""

from __future__ import annotations

import io
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BLUE, RED, GREY = "#1f5fa8", "#c0392b", "#9aa5b1"


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def trend(rows: list[dict], week_start) -> bytes:
    days = [r["value"] for r in rows]
    fig, ax = plt.subplots(figsize=(8, 2.8))
    colors = [BLUE if d >= week_start else GREY for d in days]
    ax.bar([d.strftime("%d.%m") for d in days], [r["new"] for r in rows], color=colors)
    ax.plot([d.strftime("%d.%m") for d in days], [r["overdue"] for r in rows], color=RED,
            marker="o", linewidth=1.5, label="просрочено")
    ax.set_title("Новые обращения по дням (синим — отчётная неделя)")
    ax.tick_params(axis="x", rotation=60, labelsize=7)
    ax.legend(loc="upper left", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def bars(rows: list[dict], key: str, title: str, label: str = "value") -> bytes:
    rows = [r for r in rows if r[key]][:12][::-1]
    fig, ax = plt.subplots(figsize=(8, max(1.6, 0.32 * len(rows) + 0.8)))
    ax.barh([str(r[label]) or "не определено" for r in rows], [r[key] for r in rows], color=BLUE)
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    for i, r in enumerate(rows):
        ax.text(r[key], i, f" {r[key]:g}", va="center", fontsize=8)
    return _png(fig)


def heatmap(cells: list[dict], max_topics: int = 12) -> bytes:
    totals: dict[str, int] = defaultdict(int)
    for c in cells:
        totals[c["topic"]] += c["current"]
    topics = sorted(totals, key=lambda t: -totals[t])[:max_topics]
    territories = sorted({c["territory"] for c in cells})
    grid = [[0] * len(territories) for _ in topics]
    for c in cells:
        if c["topic"] in topics:
            grid[topics.index(c["topic"])][territories.index(c["territory"])] = c["current"]
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(topics) + 2))
    image = ax.imshow(grid or [[0]], cmap="OrRd", aspect="auto")
    ax.set_xticks(range(len(territories)), [t.replace(" сельское поселение", " с/п")
                                            for t in territories], rotation=40, ha="right",
                  fontsize=7)
    ax.set_yticks(range(len(topics)), topics, fontsize=7)
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if value:
                ax.text(j, i, str(value), ha="center", va="center", fontsize=7)
    ax.set_title("Тепловая карта: темы × территории (новые за неделю)")
    fig.colorbar(image, ax=ax, shrink=0.8)
    return _png(fig)


def satisfaction(distribution: dict[int, int]) -> bytes:
    fig, ax = plt.subplots(figsize=(5, 2.4))
    scores = [1, 2, 3, 4, 5]
    ax.bar([str(s) for s in scores], [distribution.get(s, 0) for s in scores],
           color=[RED, RED, GREY, BLUE, BLUE])
    ax.set_title("Оценки заявителей")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
