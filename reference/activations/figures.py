"""Reference figures for the activations walkthrough, drawn with the reference solution at build
time (docs/AUTHORING.md, "Reference figures"). Each is drawn as the walkthrough draws the
student's own result, one per exercise, with no number a public test checks."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

X = np.linspace(-5, 5, 501).astype(np.float32)


def _save(fig, path):
    fig.savefig(path, format="png", metadata={"Software": None})
    return path


def _curves(out_dir, name, panels, width):
    """panels: list of lists of (label, x, y) drawn as lines."""
    fig = Figure(figsize=(width, 3), dpi=72)
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    for ax, lines in zip(axes, panels):
        for label, x, y in lines:
            ax.plot(x, y, label=label)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle("reference", fontsize=9)
    return _save(fig, out_dir / f"{name}.png")


def render(solution, out_dir, assets_dir):
    sol, out_dir, assets_dir = solution, Path(out_dir), Path(assets_dir)
    paths = [
        _curves(out_dir, "q1_sigmoid", [[("sigmoid", X, sol.sigmoid(X))]], 6),
        _curves(out_dir, "q2_tanh_relu", [[("tanh", X, sol.tanh(X))], [("relu", X, sol.relu(X))],
                                          [("leaky_relu, alpha 0.01", X, sol.leaky_relu(X)),
                                           ("leaky_relu, alpha 0.2", X, sol.leaky_relu(X, 0.2))]], 14),
    ]
    volume = np.stack([X, X, X], axis=-1)
    alphas = np.array([0.0, 0.1, 0.4], dtype=np.float32)
    out = sol.prelu(volume, alphas)
    paths.append(_curves(out_dir, "q3_prelu_elu",
                         [[(f"channel {c}, alpha {alphas[c]:g}", X, out[:, c]) for c in range(3)],
                          [("elu, alpha 1", X, sol.elu(X)), ("elu, alpha 0.5", X, sol.elu(X, 0.5))]], 11))
    x64 = X.astype(np.float64)
    pairs = [("sigmoid'", sol.sigmoid_grad(x64)), ("tanh'", sol.tanh_grad(x64)), ("relu'", sol.relu_grad(x64)),
             ("leaky_relu' (0.2)", sol.leaky_relu_grad(x64, 0.2)), ("elu'", sol.elu_grad(x64))]
    paths.append(_curves(out_dir, "q4_derivatives", [[(label, x64, y)] for label, y in pairs], 18))

    edges = sol.cat_edges(str(assets_dir / "cat.png"))
    result = sol.edge_activations(edges)
    fig = Figure(figsize=(15, 7), dpi=60)
    axes = fig.subplots(2, 3).ravel()
    axes[0].imshow(edges, cmap="RdBu_r", vmin=-0.5, vmax=0.5)
    axes[0].set_title("Laplacian edges")
    for ax, name in zip(axes[1:], ["sigmoid", "tanh", "relu", "leaky_relu", "elu"]):
        vmin, vmax = (0.25, 0.75) if name == "sigmoid" else (-0.5, 0.5)
        ax.imshow(result[name], cmap="RdBu_r", vmin=vmin, vmax=vmax)
        ax.set_title(f"{name} {result[name].dtype}")
    for ax in axes:
        ax.axis("off")
    fig.suptitle("reference", fontsize=9)
    paths.append(_save(fig, out_dir / "q5_edge_map.png"))
    return paths
