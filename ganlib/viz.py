"""Figures of the labs: image grids, loss and D-output curves, D-output histograms.

Every function returns a matplotlib Figure; ``LabOutput.figure`` saves it as a PNG and
shows it. ``LivePanel`` redraws a grid and the loss curves during training, in
JupyterLab only (headless runs keep static PNGs).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import torch
from torchvision.utils import make_grid

from . import ui


def grid_image(images_uint8: torch.Tensor, nrow: int = 8, padding: int = 2):
    """uint8 (N, C, H, W) -> an (H', W', C) array tiled by torchvision's make_grid."""
    grid = make_grid(images_uint8, nrow=nrow, padding=padding, pad_value=255)
    return grid.permute(1, 2, 0).numpy()


def show_grid(images_uint8: torch.Tensor, title: str = "", nrow: int = 8, ax=None, size: float = 4.0):
    """One grid of images, axes off."""
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(grid_image(images_uint8, nrow), cmap="gray" if images_uint8.size(1) == 1 else None)
    ax.set_title(title)
    ax.axis("off")
    return fig or ax.figure


def grids_side_by_side(named_images: dict, nrow: int = 8, size: float = 3.6):
    """Several grids in one row, titled by their keys; the figure as tall as the grids' shape asks."""
    n = len(next(iter(named_images.values())))
    rows, cols = -(-n // nrow), min(n, nrow)
    height = size * rows / cols + 0.8   # the grids, and room for a two-line title
    fig, axes = plt.subplots(1, len(named_images), figsize=(size * len(named_images), height), squeeze=False)
    for ax, (title, images) in zip(axes[0], named_images.items()):
        show_grid(images, title, nrow, ax=ax)
    fig.tight_layout()
    return fig


def snapshot_strip(snapshots: dict, n: int = 16, nrow: int = 4, max_panels: int = 6, title: str = ""):
    """The fixed-noise samples at chosen iterations, left to right (the report's Figures 6-7)."""
    iters = sorted(snapshots)
    if len(iters) > max_panels:   # keep the first, the last, and evenly spaced ones between
        step = (len(iters) - 1) / (max_panels - 1)
        iters = sorted({iters[round(k * step)] for k in range(max_panels)})
    fig = grids_side_by_side({f"iteration {it}": snapshots[it][:n] for it in iters}, nrow=nrow, size=2.4)
    if title:
        fig.suptitle(title)
        fig.tight_layout()
    return fig


def _smooth(values, window: int):
    if window <= 1 or len(values) < window:
        return values
    t = torch.tensor(values, dtype=torch.float64)
    kernel = torch.ones(window, dtype=torch.float64) / window
    return torch.nn.functional.conv1d(t.view(1, 1, -1), kernel.view(1, 1, -1)).view(-1).tolist()


def _window(histories: dict, key: str, smooth: int) -> int:
    """The running mean's width: ``smooth``, or 1 (none) where a history is shorter than that."""
    return smooth if all(len(h[key]) >= smooth for h in histories.values()) else 1


def _iterations_label(smooth: int) -> str:
    """The x label of curves over iterations, saying when each point is a running mean."""
    return f"iteration (each point the mean of {smooth} iterations)" if smooth > 1 else "iteration"


def loss_curves(histories: dict, smooth: int = 1, ax=None):
    """Loss_D and Loss_G over iterations for each named history (the tutorial's figure)."""
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 3.5))
    smooth = _window(histories, "Loss_D", smooth)
    for name, h in histories.items():
        for key, style in (("Loss_D", "-"), ("Loss_G", "--")):
            ys = _smooth(h[key], smooth)
            ax.plot(h["iter"][len(h[key]) - len(ys):], ys, style, label=f"{name} {key}")
    ax.set_xlabel(_iterations_label(smooth))
    ax.set_ylabel("loss")
    ax.set_title("Generator and discriminator loss during training")
    if fig is None:   # a panel of someone else's figure: keep the legend inside it
        ax.legend(fontsize=8)
        return ax.figure
    _legend_beside(ax, fontsize=8)
    return fig


def _panels_over_iterations(histories: dict, curves: tuple, line: float, smooth: int, ylabel: str = ""):
    """One panel per history with the named columns over iterations and a reference line."""
    fig, axes = plt.subplots(1, len(histories), figsize=(4.5 * len(histories), 3.2), squeeze=False,
                             sharey=True)
    smooth = _window(histories, curves[0][0], smooth)
    for ax, (name, h) in zip(axes[0], histories.items()):
        # the second curve drawn thin over the first, so that where they differ both show
        for (key, label), style in zip(curves, ({"lw": 1.6, "alpha": 0.6}, {"lw": 0.7})):
            ys = _smooth(h[key], smooth)
            ax.plot(h["iter"][len(h[key]) - len(ys):], ys, label=label, **style)
        ax.axhline(line, color="gray", lw=0.8, ls=":")
        ax.set_title(name)
        ax.set_xlabel(_iterations_label(smooth))
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def accuracy_curves(curves: dict, lines: dict | None = None, xlabel: str = "epoch"):
    """Accuracy over training, one line per named (epochs, accuracies) curve; ``lines``: labelled
    horizontal references (the report's numbers, chance)."""
    fig, ax = plt.subplots(figsize=(8.5, 3.6))
    for name, (epochs, accs) in curves.items():
        ax.plot(epochs, accs, marker="o", ms=3, label=name)
    for k, (label, y) in enumerate((lines or {}).items()):
        ax.axhline(y, color="gray", lw=0.8, ls=(":", "--", "-.")[k % 3], label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy on test.json during training (fixed noise)")
    _legend_beside(ax, fontsize=7)
    return fig


def _legend_beside(ax, fontsize: int):
    """The legend right of the axes, where it hides no curve; tight_layout narrows the axes to make room."""
    ax.legend(fontsize=fontsize, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.figure.tight_layout()


def d_output_curves(histories: dict, smooth: int = 1):
    """D(x) and D(G(z)) (after the D step) over iterations, one panel per history; 0.5 marked."""
    return _panels_over_iterations(histories, (("D_x", "D(x)"), ("D_G_z1", "D(G(z))")), 0.5, smooth)


def d_accuracy_curves(histories: dict, smooth: int = 1):
    """D's accuracy on real and on fake batches over iterations; 99% (D overpowering G) marked."""
    return _panels_over_iterations(histories, (("acc_real", "on real"), ("acc_fake", "on fake")), 0.99,
                                   smooth, "D accuracy")


def animation_html(snapshots: dict, n: int = 64, nrow: int = 8) -> str:
    """The fixed-noise snapshots as a JavaScript animation (the PyTorch tutorial's), for JupyterLab."""
    from matplotlib import animation

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.axis("off")
    frames = [[ax.imshow(grid_image(snapshots[k][:n], nrow=nrow), animated=True)] for k in sorted(snapshots)]
    ani = animation.ArtistAnimation(fig, frames, interval=500, repeat_delay=1000, blit=True)
    html = ani.to_jshtml()
    plt.close(fig)
    return offline_buttons(html)


# matplotlib's player draws its buttons with Font Awesome icons fetched from a CDN: offline they are blank
# and the browser logs errors. Plain characters need nothing from the network.
BUTTON_GLYPHS = {"fa fa-minus": "\u2212", "fa fa-plus": "+", "fa fa-fast-backward": "\u23ee", "fa fa-step-backward": "\u23f4|",
                 "fa fa-play fa-flip-horizontal": "\u25c0", "fa fa-pause": "\u23f8", "fa fa-play": "\u25b6",
                 "fa fa-step-forward": "|\u23f5", "fa fa-fast-forward": "\u23ed"}


def offline_buttons(html: str) -> str:
    """``html`` of a matplotlib animation with its CDN stylesheet removed and its icons as characters."""
    import re

    html = re.sub(r"<link[^>]*font-awesome[^>]*>", "", html)
    return re.sub(r'<i class="([^"]*)"></i>', lambda m: BUTTON_GLYPHS.get(m.group(1), ""), html)


def d_histograms(scores: dict, bins: int = 40, xlabel: str = "D output"):
    """Histograms of D's output on real vs fake images, one panel per model (report 004)."""
    fig, axes = plt.subplots(1, len(scores), figsize=(4.2 * len(scores), 3.0), squeeze=False)
    for ax, (name, (real, fake)) in zip(axes[0], scores.items()):
        lo = float(min(real.min(), fake.min()))
        hi = float(max(real.max(), fake.max()))
        ax.hist(real.numpy(), bins=bins, range=(lo, hi), alpha=0.6, label="real", density=True)
        ax.hist(fake.numpy(), bins=bins, range=(lo, hi), alpha=0.6, label="fake", density=True)
        ax.set_title(name)
        ax.set_xlabel(xlabel)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


class OutputPanel:
    """A figure redrawn in place in a live notebook, through an IPython display handle: an ordinary
    PNG output, so a saved or converted notebook keeps the last one and needs no widget state.
    Headless, ``show`` does nothing (the notebooks save static PNGs instead)."""

    def __init__(self, title: str = ""):
        self.title = title
        self.out = None
        if ui.is_interactive():
            from IPython.display import display
            self.out = display(display_id=True)     # an empty output, filled by the first show

    def show(self, fig) -> None:
        if self.out is not None:
            import io
            from IPython.display import Image
            png = io.BytesIO()
            fig.savefig(png, format="png", dpi=80, bbox_inches="tight")
            self.out.update(Image(data=png.getvalue(), format="png"))
        plt.close(fig)


class LivePanel(OutputPanel):
    """Latest fixed-noise grid and the loss curves, redrawn at each snapshot in JupyterLab.

    Pass ``panel.update`` as ``on_snapshot`` to ``train_gan``. Headless it does nothing.
    """

    def update(self, result) -> None:
        if self.out is None:
            return
        it = max(result.snapshots)
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1, 1.8]})
        show_grid(result.snapshots[it][:36], f"{self.title} iteration {it}", nrow=6, ax=a)
        if result.history["iter"]:
            loss_curves({self.title: result.history}, ax=b)
        fig.tight_layout()
        self.show(fig)


# --- CycleGAN ---------------------------------------------------------------------------

def cycle_panel(images_uint8: torch.Tensor, title: str = "", titles=None):
    """Report 004's 2x4 panel: real, replicate (identity), fake, cycle for A (top) and B (bottom)."""
    from .cyclegan import PANEL_TITLES

    fig, axes = plt.subplots(2, 4, figsize=(8, 5.0))
    for ax, image, name in zip(axes.flat, images_uint8, titles or PANEL_TITLES):
        ax.imshow(image.permute(1, 2, 0).numpy())
        ax.set_title(name, fontsize=9)
        ax.axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def loss_terms(epoch_means: dict, title: str = ""):
    """Each term of the generators' loss, per epoch (report 004's Figure 6): the cycle terms
    weigh most, as the report noted, because of their weight of 10."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for key in ("loss_identity_A", "loss_identity_B", "loss_gan_A2B", "loss_gan_B2A", "loss_cycle_ABA",
                "loss_cycle_BAB"):
        values = epoch_means[key]
        ax.plot(range(1, len(values) + 1), values, marker="o", ms=3, label=key)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean over the epoch")
    ax.set_title(title or "Contribution of each term to the generators' loss")
    ax.legend(fontsize=7, ncol=2)
    return fig


def g_vs_d(named_epoch_means: dict):
    """The generators' total loss and each discriminator's loss per epoch (report 004's Figure 7),
    one panel per run."""
    fig, axes = plt.subplots(1, len(named_epoch_means), figsize=(4.5 * len(named_epoch_means), 3.2),
                             squeeze=False)
    for ax, (name, means) in zip(axes[0], named_epoch_means.items()):
        epochs = range(1, len(means["total_loss"]) + 1)
        ax.plot(epochs, means["total_loss"], marker="o", ms=3, label="generators (total)")
        ax.plot(epochs, means["loss_discrim_A"], marker="o", ms=3, label="D_A")
        ax.plot(epochs, means["loss_discrim_B"], marker="o", ms=3, label="D_B")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_ylabel("mean loss over the epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(0.5, max(len(epochs), 2) + 0.5)      # a one-epoch run keeps whole-number ticks
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def image_rows(rows: dict, size: float = 1.1):
    """Rows of images (uint8 (n, C, H, W) each), one row per key, the key written on its left."""
    n = max(len(v) for v in rows.values())
    fig, axes = plt.subplots(len(rows), 1, figsize=(size * n + 1.5, size * len(rows) + 0.2), squeeze=False)
    for ax, (name, images) in zip(axes[:, 0], rows.items()):
        ax.imshow(grid_image(images, nrow=n))
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


class CyclePanel(OutputPanel):
    """The 2x4 panel of ``cyclegan.train_cyclegan``, redrawn after every epoch in a live notebook
    (report 004's live view). Pass ``panel.update`` as ``on_epoch``;
    headless it does nothing (the notebook saves one PNG per epoch instead)."""

    def update(self, result) -> None:
        if self.out is None or not result.panels:
            return
        epoch = max(result.panels)
        self.show(cycle_panel(result.panels[epoch], f"{self.title}: after epoch {epoch}/{result.num_epochs}"))
