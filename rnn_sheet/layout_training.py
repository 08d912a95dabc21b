"""The Update sheet (one SGD step and the loss it gives) and the Training sheet (more epochs).

Both use a compact, time-major "network block": one row per time step, so a whole forward and
backward pass fits in a few tables. Slot 0 is the Update sheet's check of the new weights; slot k >= 1
is training epoch k, whose weights are W_k (the weights after k SGD steps).
"""
from .layout import CHART_ROWS, Part, SheetPlan, units

PARAMS = ("Wxh", "Whh", "bh", "Why", "by")


def add_sheets(L, sc, letters):
    L.add(update_sheet(L, letters))
    if sc.epochs:
        L.add(training_sheet(L, letters))


def _param_parts(L, letters, key, caption):
    """Parts for one set of weights: key(name) gives each block's key, caption(name) its heading."""
    H, V = L.H, L.V
    article = L.model == "article"
    parts = [Part(key("Wxh"), caption("Wxh"), H, V, units(H), letters), " ",
             Part(key("Whh"), caption("Whh"), *((1, 1) if article else (H, H)),
                  col_labels=None if article else units(H)), " ",
             Part(key("bh"), caption("bh"), 1 if article else H), " ",
             Part(key("Why"), caption("Why"), V, H, letters, units(H))]
    if not article:
        parts += [" ", Part(key("by"), caption("by"), V, row_labels=letters)]
    return parts


def update_sheet(L, letters):
    S = SheetPlan("Update", "training")
    clip = f", each gradient first clipped to [-{L.clip:g}, {L.clip:g}]" if L.clip else ""
    S.title("Update: one step of gradient descent, W_new = W - lr · dW",
            f"Uses lr from Parameters and the Gradients sheet{clip}. Type another lr to see its effect.")
    S.band("The updated weights", _param_parts(L, letters, lambda n: (f"{n}_new", None),
                                                      lambda n: f"{n}_new"))
    for name in PARAMS:
        if (f"{name}_new", None) in S.blocks:
            L.names[f"{name}_new"] = (f"{name}_new", None)
    S.band("Does it help? The loss before and after the update", [
        Part(("loss_before", None), "loss (Summary)", 1), Part(("loss_next", None), "loss_next", 1),
        Part(("loss_change", None), "change", 1)])
    L.names["loss_next"] = ("loss_next", None)
    network_bands(S, L, letters, slot=0, backward=False,
                  title="Forward pass with the updated weights")
    return S


def training_sheet(L, letters):
    N = L.epochs
    S = SheetPlan("Training", "training")
    S.title(f"Training: {N} more steps of gradient descent on the whole word",
            "Epoch 0 is the Parameters sheet; epoch k uses the weights after k updates.")
    S.band("Loss and prediction per epoch", [
        Part(("epoch_no", None), "epoch", N + 1), Part(("loss_epochs", None), "loss", N + 1),
        Part(("pred_epochs", None), "predicted letters", N + 1)])
    L.names["loss_epochs"] = ("loss_epochs", None)
    # Beside a long loss table; below a short one, where the wider epoch bands would run under it.
    S.chart({"title": "Loss per epoch", "x_title": "epoch", "y_title": "loss",
             "categories": ("epoch_no", None), "values": ("loss_epochs", None)},
            below=N + 1 < CHART_ROWS)
    for k in range(1, N + 1):
        weights = "from the Update sheet" if k == 1 else f"W_{k} = W_{k - 1} - lr · dW_{k - 1}"
        S.band(f"Epoch {k}: weights ({weights})",
               _param_parts(L, letters, lambda n, k=k: (f"cw_{n}", k), lambda n, k=k: f"{n} (W_{k})"))
        network_bands(S, L, letters, slot=k, backward=k < N, title=f"Epoch {k}")
    return S


def network_bands(S, L, letters, slot, backward, title):
    T, V, H = L.T, L.V, L.H
    steps = [f"t={t}" for t in range(1, T + 1)]
    if slot <= 1:
        # The one-hot inputs and targets are the same in every epoch: one table per sheet.
        S.band("One-hot inputs x_t and targets, one row per time step", [
            Part(("c_X", slot), "x_t", T, V, steps, letters), " ",
            Part(("c_TGT", slot), "target_t", T, V, steps, letters)])
    # Two bands, not one: a single row of every table would print at a tiny scale.
    S.band(f"{title}: forward pass, one row per time step", [
        Part(("c_H", slot), "h_t (row t=0: h_0 = 0)", T + 1, H, ["t=0"] + steps, units(H)), " ",
        Part(("c_Y", slot), "y_t", T, V, steps, letters, offset=1)])
    S.band(f"{title}: softmax, loss and prediction", [
        Part(("c_M", slot), "max y_t", T, row_labels=steps), Part(("c_S", slot), "Σ exp(y-max)", T), " ",
        Part(("c_P", slot), "p_t", T, V, steps, letters), " ",
        Part(("c_L", slot), "loss_t", T), Part(("c_pred", slot), "predicted", T)])
    S.band(f"{title}: total", [Part(("c_loss", slot), "loss", 1), Part(("c_text", slot), "predicted", 1)])
    if not backward:
        return
    parts = [Part(("c_dY", slot), "dy_t = p_t - target_t", T, V, steps, letters), " ",
             Part(("c_WhyT", slot), "Whyᵀ", H, V, units(H), letters)]
    if L.model == "standard":
        parts += [" ", Part(("c_WhhT", slot), "Whhᵀ", H, H, units(H), units(H))]
    S.band(f"{title}: backward pass", parts)
    S.band(f"{title}: back through time (row t gets dh_next from row t+1)", [
        Part(("c_dH", slot), "dh_t = Whyᵀ·dy_t + dh_next", T, H, steps, units(H)), " ",
        Part(("c_dA", slot), "da_t = (1-h_t²)·dh_t", T, H, steps, units(H))])
    clip = f" (clipped to ±{L.clip:g})" if L.clip else ""
    S.band(f"{title}: gradients summed over time{clip}",
           _param_parts(L, letters, lambda n: (f"c_g_{n}", slot), lambda n: f"d{n}"))
