"""The computation graph of batch normalization, drawn for the notebook."""
from .autograding import being_graded, skipped_while_grading

# node: (x, y, width, label)
NODES = {
    "x": (0.0, 1.0, 0.9, "$x$\n(N, D)"),
    "mu": (2.0, 2.3, 1.5, r"$\mu = \frac{1}{N}\sum_i x_i$"),
    "var": (4.3, 2.3, 2.1, r"$\sigma^2 = \frac{1}{N}\sum_i (x_i - \mu)^2$"),
    "xhat": (6.5, 1.0, 1.7, r"$\hat{x} = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}$"),
    "y": (8.7, 1.0, 1.5, r"$y = \gamma \hat{x} + \beta$"),
    "gamma": (8.7, -0.3, 0.9, r"$\gamma,\ \beta$"),
    "L": (10.3, 1.0, 0.6, "$L$"),
}
EDGES = [("x", "mu"), ("x", "var"), ("mu", "var"), ("x", "xhat"), ("mu", "xhat"), ("var", "xhat"),
         ("xhat", "y"), ("gamma", "y"), ("y", "L")]
# the gradient each backward stage computes, by node
STAGES = {"xhat": "dxhat", "var": "dvar", "mu": "dmean", "x": "dx", "gamma": "dgamma, dbeta"}
HEIGHT = 0.62


def draw_graph():
    """Draw the forward graph with the backward stages' names; returns the matplotlib Figure.

    While the autograder runs the notebook, prints one line and returns None instead.
    """
    if being_graded():
        return skipped_while_grading("the figure")
    import matplotlib.pyplot as plt  # here, not at the top: the notebook's setup imports this module
    from matplotlib.patches import FancyBboxPatch

    fig, ax = plt.subplots(figsize=(11, 3.6))
    boxes = {}
    for name, (x, y, width, label) in NODES.items():
        box = FancyBboxPatch((x - width / 2, y - HEIGHT / 2), width, HEIGHT, boxstyle="round,pad=0.06",
                             facecolor="#eef3fb", edgecolor="#3b5b92")
        ax.add_patch(box)
        boxes[name] = box
        ax.text(x, y, label, ha="center", va="center", fontsize=10)
        if name in STAGES:
            below = name == "gamma"
            ax.text(x + (width / 2 + 0.1 if below else 0), y + (0 if below else HEIGHT / 2 + 0.12), STAGES[name],
                    ha="left" if below else "center", va="center" if below else "bottom", fontsize=10,
                    color="#b0302a", family="monospace")
    for a, b in EDGES:
        ax.annotate("", xy=NODES[b][:2], xytext=NODES[a][:2],
                    arrowprops=dict(arrowstyle="-|>", color="#555555", patchA=boxes[a], patchB=boxes[b],
                                    shrinkA=3, shrinkB=3))
    ax.text(5.2, -0.95, "forward: left to right        backward: right to left, one stage (red) at a time",
            ha="center", fontsize=9, color="#444444")
    ax.set_xlim(-0.7, 10.9)
    ax.set_ylim(-1.2, 3.0)
    ax.axis("off")
    fig.tight_layout()
    return fig
