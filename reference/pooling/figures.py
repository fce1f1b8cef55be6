"""Reference figures for the pooling walkthrough, drawn with the reference solution at build time
(docs/AUTHORING.md, "Reference figures"). Each is drawn as the walkthrough draws the student's own
result, one per exercise, with no number a public test checks."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image


def _save(fig, path):
    fig.suptitle("reference", fontsize=9)
    fig.savefig(path, format="png", metadata={"Software": None})
    return path


def _cat(assets_dir):
    with Image.open(assets_dir / "cat.png") as image:
        return np.asarray(image.convert("RGB"), dtype=np.float32) / 255


def _policies(sol, out_dir):
    """q1: a 5x5 input under 2x2 windows, stride 2, for each padding policy."""
    n, k = 5, 2
    fig = Figure(figsize=(12, 4), dpi=72)
    for ax, padding in zip(fig.subplots(1, 3), ("valid", "zero", "same")):
        ho, wo = sol.pool_output_shape((n, n), k, None, padding)
        pad = max((ho - 1) * k + k - n, 0)
        top = pad // 2 if padding == "same" else 0
        for r in range(-top, n + pad - top):
            for c in range(-top, n + pad - top):
                inside = 0 <= r < n and 0 <= c < n
                ax.add_patch(Rectangle((c, r), 1, 1, facecolor="white" if inside else "#d9d9d9", edgecolor="#999999"))
        for i in range(ho):
            for j in range(wo):
                ax.add_patch(Rectangle((j * k - top + 0.08, i * k - top + 0.08), k - 0.16, k - 0.16, fill=False,
                                       edgecolor="tab:red", linewidth=2))
        ax.set_xlim(-1.2, n + 1.2)
        ax.set_ylim(n + 1.2, -1.2)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(f"padding={padding!r}: {ho}x{wo} windows (grey: padding)", fontsize=9)
    return _save(fig, out_dir / "q1_policies.png")


def _max_pool(sol, out_dir, cat):
    fig = Figure(figsize=(16, 3.5), dpi=60)
    image = cat
    for ax in fig.subplots(1, 4):
        ax.imshow(image)
        ax.set_title(f"{image.shape}")
        ax.axis("off")
        image = sol.max_pool(image, 2)
    return _save(fig, out_dir / "q2_max_pool.png")


def _average_pool(sol, out_dir, cat):
    fig = Figure(figsize=(15, 4), dpi=60)
    for ax, (label, image) in zip(fig.subplots(1, 3), [("cat", cat), ("max_pool 8x8", sol.max_pool(cat, 8)),
                                                       ("average_pool 8x8", sol.average_pool(cat, 8))]):
        ax.imshow(np.clip(image, 0, 1))
        ax.set_title(f"{label} {image.shape}")
        ax.axis("off")
    return _save(fig, out_dir / "q3_average_pool.png")


def _dropout(sol, out_dir, cat):
    dropped = sol.dropout(cat, 0.5, training=True, seed=0)
    fig = Figure(figsize=(10, 3.5), dpi=60)
    axes = fig.subplots(1, 2)
    axes[0].imshow(cat)
    axes[0].set_title("cat")
    axes[1].imshow(np.clip(dropped, 0, 1))
    axes[1].set_title("dropout rate 0.5, training")
    for ax in axes:
        ax.axis("off")
    return _save(fig, out_dir / "q4_dropout.png")


def _batch_norm(sol, out_dir):
    rng = np.random.default_rng(0)
    true_mean, true_std = np.array([-5.0, 0.0, 3.0, 10.0]), np.array([0.5, 1.0, 2.0, 4.0])
    gamma, beta, moving_mean, moving_var = np.ones(4), np.zeros(4), np.zeros(4), np.ones(4)
    history = []
    for _ in range(300):
        batch = rng.normal(true_mean, true_std, (16, 8, 8, 4))
        y, moving_mean, moving_var = sol.batch_norm(batch, gamma, beta, moving_mean, moving_var, training=True,
                                                    momentum=0.99)
        history.append(moving_mean)
    fig = Figure(figsize=(18, 3.5), dpi=60)
    axes = fig.subplots(1, 3)
    for c in range(4):
        axes[0].hist(batch[..., c].ravel(), bins=40, alpha=0.6, label=f"channel {c}")
        axes[1].hist(y[..., c].ravel(), bins=40, alpha=0.6)
    axes[0].set_title("a batch, before")
    axes[0].legend()
    axes[1].set_title("after batch normalisation (training)")
    axes[2].plot(np.array(history))
    axes[2].set_title("moving mean per channel, momentum 0.99")
    axes[2].set_xlabel("training step")
    return _save(fig, out_dir / "q5_batch_norm.png")


def block_kernels():
    """The walkthrough's four hand-made 3x3 filters on an RGB image: (3, 3, 3, 4)."""
    grey = np.array([1 / 3, 1 / 3, 1 / 3])[:, None]
    filters = [[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
               [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], np.full((3, 3), 1 / 9)]
    return np.stack([np.asarray(f, float)[:, :, None] * grey.T for f in filters], axis=-1)


def _conv_block(sol, out_dir, cat):
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):   # conv_block prints its stages
        out, _ = sol.conv_block(cat, block_kernels(), np.zeros(4))
    fig = Figure(figsize=(16, 3.5), dpi=60)
    for c, (ax, title) in enumerate(zip(fig.subplots(1, 4), ["vertical", "horizontal", "Laplacian", "blur"])):
        ax.imshow(out[..., c], cmap="gray")
        ax.set_title(f"{title} {out[..., c].shape}")
        ax.axis("off")
    return _save(fig, out_dir / "q6_conv_block.png")


def edge_map(cat):
    """The grey cat's 'valid' Laplacian edges after ReLU, float32 (as the walkthrough makes it)."""
    from scipy.signal import correlate2d

    laplacian = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], np.float32)
    return np.maximum(correlate2d(cat.mean(axis=2), laplacian, mode="valid"), 0).astype(np.float32)


def _translation(sol, out_dir, cat):
    """q7: where the pooled map of the edges agrees with the pooled map of the shifted edges."""
    edges = edge_map(cat)
    shifted = np.roll(edges, (1, 1), axis=(0, 1))
    fig = Figure(figsize=(16, 3.5), dpi=60)
    axes = fig.subplots(1, 4)
    panels = [("edges", edges, "gray"), ("pixels unchanged by a (1, 1) shift", shifted == edges, "Greens")]
    for k in (2, 4):
        panels.append((f"{k}x{k} max-pooled values unchanged", sol.max_pool(shifted, k) == sol.max_pool(edges, k),
                       "Greens"))
    for ax, (title, image, cmap) in zip(axes, panels):
        ax.imshow(image, cmap=cmap)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    return _save(fig, out_dir / "q7_translation_invariance.png")


def render(solution, out_dir, assets_dir):
    sol, out_dir, assets_dir = solution, Path(out_dir), Path(assets_dir)
    cat = _cat(assets_dir)
    return [_policies(sol, out_dir), _max_pool(sol, out_dir, cat), _average_pool(sol, out_dir, cat),
            _dropout(sol, out_dir, cat), _batch_norm(sol, out_dir), _conv_block(sol, out_dir, cat),
            _translation(sol, out_dir, cat)]
