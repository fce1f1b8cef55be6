"""Reference figures for the classifier_swap walkthrough, drawn with the reference solution at build
time (docs/AUTHORING.md, "Reference figures"): one per exercise, each drawn as the walkthrough draws
the student's own. Models are small and have random weights (weights=None): nothing is downloaded,
and nothing that varies from run to run (timings) is drawn, so two builds give the same bytes."""
from __future__ import annotations

import os

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PHOTOS = ["cat.png", "coffee.jpg", "rocket.jpg", "astronaut.png"]
# Small inputs; VGG16 and VGG19 (random MobileNetV2 and EfficientNetB0 score every class alike).
SMALL = {"VGG16": {"input_shape": (64, 64, 3)}, "VGG19": {"input_shape": (64, 64, 3)}}


def _save(fig, path):
    fig.suptitle("reference", fontsize=9)
    fig.savefig(path, format="png", metadata={"Software": None})
    return path


def _crop(sol, out_dir, assets_dir):
    path = assets_dir / "cat.png"
    with Image.open(path) as photo:
        photo = photo.convert("RGB")
    squashed = photo.resize((224, 224))
    cropped = sol.resize_and_crop_image(path, 224, 224)
    fig = Figure(figsize=(12, 3.5), dpi=60)
    for ax, image, label in zip(fig.subplots(1, 3), [photo, squashed, cropped],
                                [f"photo {photo.size}", "squashed to 224 x 224", "resize_and_crop_image 224 x 224"]):
        ax.imshow(image)
        ax.set_title(label)
        ax.axis("off")
    return _save(fig, out_dir / "q1_crop.png")


def _batch(sol, out_dir, assets_dir):
    batch = sol.vgg16_batch(assets_dir / "cat.png")
    fig = Figure(figsize=(12, 3.5), dpi=60)
    for ax, channel, label in zip(fig.subplots(1, 3), range(3), "BGR"):
        ax.imshow(batch[0, :, :, channel], cmap="gray")
        ax.set_title(f"channel {label}: mean {batch[0, :, :, channel].mean():.1f}")
        ax.axis("off")
    return _save(fig, out_dir / "q2_batch.png")


def _table(sol, out_dir):
    rows = [[name, row["module"], "x".join(str(n) for n in row["input_size"]), row["preprocess"]]
            for name, row in sol.model_table().items()]
    fig = Figure(figsize=(8, 4), dpi=60)
    ax = fig.subplots()
    ax.axis("off")
    ax.table(cellText=rows, colLabels=["model", "module", "input (h x w)", "preprocess"], loc="center")
    return _save(fig, out_dir / "q3_table.png")


def _modes(sol, out_dir, assets_dir):
    fig = Figure(figsize=(16, 3), dpi=60)
    axes = fig.subplots(1, 5)
    crop = np.asarray(sol.resize_and_crop_image(assets_dir / "cat.png", 224, 224))
    axes[0].hist(crop.ravel(), bins=50)
    axes[0].set_title("before: 0..255")
    for ax, name in zip(axes[1:], ["VGG16", "MobileNetV2", "DenseNet121", "EfficientNetB0"]):
        x = sol.preprocess(name, crop)
        ax.hist(x.ravel(), bins=50)
        ax.set_title(f"{name}: {sol.model_table()[name]['preprocess']}")
    return _save(fig, out_dir / "q4_modes.png")


def _top3(sol, out_dir, assets_dir, index):
    model = sol.load_classifier("ResNet50", weights=None, seed=0)  # distinct scores even at random
    fig = Figure(figsize=(12, 3), dpi=60)
    for ax, name in zip(fig.subplots(1, 2), ["cat.png", "coffee.jpg"]):
        best = sol.classify("ResNet50", model, assets_dir / name, top=3, class_index=index)
        ax.barh([label for _, label, _ in best][::-1], [score for _, _, score in best][::-1])
        ax.set_title(f"assets/{name}")
    fig.tight_layout()
    return _save(fig, out_dir / "q5_top3.png")


def _agreement(sol, out_dir):
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, (200, 1000))
    noise = np.linspace(0, 4, 17)
    probs = np.exp(logits)
    curves = {"top1_agreement": [], "top5_overlap": []}
    for level in noise:
        other = np.exp(logits + rng.normal(0, level, logits.shape))
        for key, value in sol.compare_models(probs, other).items():
            curves[key].append(value)
    fig = Figure(figsize=(6, 3.5), dpi=60)
    ax = fig.subplots()
    for key, values in curves.items():
        ax.plot(noise, values, marker="o", label=key)
    ax.set_xlabel("noise added to the logits (standard deviation)")
    ax.set_ylim(-0.05, 1.05)
    ax.legend()
    return _save(fig, out_dir / "q6_agreement.png")


def _comparison(sol, out_dir, assets_dir):
    rows = sol.comparison_table(["VGG19"], [assets_dir / p for p in PHOTOS], reference="VGG16",
                                weights=None, seed=0, options=SMALL)
    fig = Figure(figsize=(10, 3), dpi=60)
    left, right = fig.subplots(1, 2)
    names = [row["name"] for row in rows]
    left.barh(names, [row["params"] / 1e6 for row in rows])
    left.set_xlabel("parameters (millions), 64 x 64 inputs")
    right.barh(names, [row["top5_agreement"] for row in rows])
    right.set_xlabel("share of the reference's (VGG16) top-5 classes")
    right.set_xlim(0, 1)
    fig.tight_layout()
    return _save(fig, out_dir / "q7_table.png")


def render(solution, out_dir, assets_dir):
    index = assets_dir / "class_index.json"
    return [_crop(solution, out_dir, assets_dir), _batch(solution, out_dir, assets_dir), _table(solution, out_dir),
            _modes(solution, out_dir, assets_dir), _top3(solution, out_dir, assets_dir, index),
            _agreement(solution, out_dir), _comparison(solution, out_dir, assets_dir)]
