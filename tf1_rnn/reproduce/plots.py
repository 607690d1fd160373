"""The reproduction's figures: a test curve per tutorial and one summary of final accuracies.

Needs matplotlib (``pip install -e '.[plots]'``); reproduce.py says so in one line if it is
missing. Each tutorial's figure has the whole run on the left and its last quarter, where
the published numbers sit, enlarged on the right: the port's seeds (mean, min-max band), the
TF 1.x program's seeds (a curve where it prints one, else its final accuracies), our final
accuracies on the tutorial's test subset, and what the author printed.
"""
import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from tf1_rnn.reproduce import stats  # noqa: E402
from tf1_rnn.reproduce.report import TEST_IMAGES, subset_words  # noqa: E402

PORT, TF1, AUTHOR, DRAWS = "tab:blue", "tab:orange", "tab:red", "tab:gray"


def _seeds(n):
    return f"{n} seed" + ("" if n == 1 else "s")


def _band(curves):
    """(steps, mean, min, max) over the steps every curve has."""
    steps = sorted(set.intersection(*(set(dict(c)) for _, c in curves)))
    values = np.array([[dict(c)[s] for s in steps] for _, c in curves])
    return np.array(steps), values.mean(0), values.min(0), values.max(0)


def _draw_curves(ax, curves, color, label):
    steps, mean, low, high = _band(curves) if curves else ([],) * 4
    if not len(steps):
        return
    ax.plot(steps, mean, color=color, lw=1.2, label=label)
    if len(curves) > 1:
        ax.fill_between(steps, low, high, color=color, alpha=0.2, lw=0)


def _draw_finals(ax, values, x, color, label):
    if not values:
        return
    ax.plot([x] * len(values), values, "o", color=color, ms=4, alpha=0.6, mec="none")
    sd = np.std(values, ddof=1) if len(values) > 1 else 0.0
    ax.errorbar([x], [np.mean(values)], yerr=[sd], fmt="_", color=color, ms=14, capsize=3, lw=1.5, label=label)


def _draw_author(ax, author):
    if author.span:
        first, last, low, high = author.span
        ax.add_patch(plt.Rectangle((first, low), last - first, high - low, color=AUTHOR, alpha=0.12, lw=0,
                                   label=f"author: {low} to {high} over steps {first}-{last} (range only)"))
    for n, (step, accuracy) in enumerate(author.points):
        ax.plot([step], [accuracy], "*", color=AUTHOR, ms=12, mec="white",
                label=f"author printed {author.printed}" if n == 0 else None)


def _draw_draws(ax, x, result):
    """For a draw:N subset: the range (95%) our models score on random draws of N test images."""
    kind, _, count = result.row.config.TEST_SUBSET.partition(":")
    full = [m["full_test_accuracy"] for m in result.port if m.get("full_test_accuracy") is not None]
    if kind != "draw" or not full:
        return []
    spread = stats.draw_spread(full, TEST_IMAGES, int(count))
    ax.plot([x, x], [spread.low, spread.high], color=DRAWS, lw=5, alpha=0.5, solid_capstyle="butt",
            label=f"port models on random draws of {count} test images (95% of draws)")
    return [spread.low, spread.high]


def tutorial_figure(result, path):
    """Write ``path``: test accuracy against step for one tutorial's faithful row."""
    row = result.row
    cfg = row.config_for(1)
    last = cfg.num_steps
    port_finals = [m["test_accuracy"] for m in result.port]
    tf1_finals = [m["test_accuracy"] for m in result.tf1]
    eval_words = subset_words(cfg.eval_subset)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1, 1.2]})
    for ax in axes:
        _draw_curves(ax, result.port_curves, PORT, f"port: mean, min-max band over {_seeds(len(result.port_curves))}"
                     f" (every {cfg.eval_every} steps, {eval_words})")
        _draw_curves(ax, result.tf1_curves, TF1, f"TF 1.x program: mean, min-max band over "
                     f"{_seeds(len(result.tf1_curves))} (as printed)")
        offset = 0.012 * last
        _draw_finals(ax, port_finals, last - offset, PORT, f"port, final ({_seeds(len(port_finals))}, mean ± sd)")
        _draw_finals(ax, tf1_finals, last + offset, TF1, f"TF 1.x program, final ({_seeds(len(tf1_finals))})"
                     + ("" if result.tf1_curves else "; it prints no test curve"))
        draws = _draw_draws(ax, last + 2.5 * offset, result)
        _draw_author(ax, row.author)
        ax.set_xlabel("training step")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("test accuracy")
    axes[0].set_ylim(0, 1)
    axes[0].set_xlim(0, last * 1.05)
    zoomed_from = 0.75 * last
    axes[1].set_xlim(zoomed_from, last * 1.05)
    shown = port_finals + tf1_finals + draws + [a for _, a in row.author.points]
    shown += [v for _, c in result.port_curves + result.tf1_curves for s, v in c if s >= zoomed_from]
    if row.author.span:
        shown += list(row.author.span[2:])
    if shown:
        margin = max(0.15 * (max(shown) - min(shown)), 0.002)
        axes[1].set_ylim(min(shown) - margin, min(max(shown) + margin, 1.0))
    axes[1].set_title(f"last quarter, enlarged; final accuracy: {subset_words(row.config.TEST_SUBSET)}",
                      fontsize=10)
    axes[0].set_title(f"{row.label}: test accuracy, port against the TF 1.x program", fontsize=11)
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.16, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def summary_figure(results, path):
    """Write ``path``: final accuracies of every tutorial, port and TF 1.x program seeds and the author."""
    fig, axes = plt.subplots(1, len(results), figsize=(2.6 * len(results), 4.2), squeeze=False)
    for ax, result in zip(axes[0], results):
        row = result.row
        port = [m["test_accuracy"] for m in result.port]
        tf1 = [m["test_accuracy"] for m in result.tf1]
        _draw_finals(ax, port, 0, PORT, "port (seeds, mean ± sd)")
        _draw_finals(ax, tf1, 1, TF1, "TF 1.x program (seeds, mean ± sd)")
        _draw_draws(ax, 0.3, result)
        if row.author.accuracy is not None:
            ax.plot([2], [row.author.accuracy], "*", color=AUTHOR, ms=14, mec="white", label="author printed")
        else:
            ax.text(2, 0.5, row.author.printed.replace(" ", "\n"), transform=ax.get_xaxis_transform(),
                    ha="center", va="center", fontsize=8, color="0.4")
        ax.set_xticks([0, 1, 2], ["port", "TF 1.x", "author"])
        ax.set_xlim(-0.6, 2.6)
        ax.set_title(f"{row.script}\n{subset_words(row.config.TEST_SUBSET)}", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        ax.tick_params(labelsize=8)
    axes[0][0].set_ylabel("final test accuracy")
    legend = {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    fig.legend(legend.values(), legend.keys(), loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.suptitle("Final test accuracy on each tutorial's own test images", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
