"""The article's other lessons: how the gradient flows back through time (vanishing and exploding
gradients) and generating text by feeding each prediction back in (one-to-many)."""
from .layout import Part, SheetPlan, units


def add_sheets(L, sc, letters):
    L.add(gradient_flow_sheet(L))
    if sc.generate:
        L.add(generate_sheet(L, sc, letters))


def gradient_flow_sheet(L):
    T = L.T
    S = SheetPlan("Gradient flow", "backward")
    S.title("Gradient flow: how much error reaches each time step",
            "|dh_t| is the length of the gradient at the hidden state. With tanh and small Whh it "
            "shrinks towards the first letters (vanishing); with a large Whh it can grow (exploding).")
    S.band("Size of the gradient per time step (from the Back sheets)", [
        Part(("flow_t", None), "step", T), Part(("grad_norms", None), "|dh_t|", T),
        Part(("da_norms", None), "|da_t|", T)])
    L.names["grad_norms"] = ("grad_norms", None)
    S.chart({"title": "|dh_t| by time step", "x_title": "time step t", "y_title": "|dh_t|",
             "categories": ("flow_t", None), "values": ("grad_norms", None)})
    return S


def generate_sheet(L, sc, letters):
    N, V, H = sc.generate, L.V, L.H
    S = SheetPlan("Generate", "training")
    weights = f"the weights after epoch {L.epochs} (Training sheet)" if L.epochs else "the Parameters sheet"
    S.title(f"Generate: {N} letters, each prediction fed back in as the next input",
            f"Greedy: the most probable letter wins. Uses {weights}; type another start letter.")
    S.band("Start letter and the generated text", [
        Part(("gen_start", None), "start letter", 1), Part(("generated", None), "generated", 1)])
    L.names["generated"] = ("generated", None)
    L.names["start"] = ("gen_start", None)
    steps = [f"g={g}" for g in range(1, N + 1)]
    S.band("One row per generated letter", [
        Part(("gen_in", None), "input", N, row_labels=steps), " ",
        Part(("gen_X", None), "x (one-hot)", N, V, steps, letters), " ",
        Part(("gen_H", None), "h (row 0: h_0 = 0)", N + 1, H, ["g=0"] + steps, units(H)), " ",
        Part(("gen_Y", None), "y", N, V, steps, letters, offset=1), " ",
        Part(("gen_out", None), "next letter", N, offset=1)])
    return S
