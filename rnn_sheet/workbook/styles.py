"""Cell styles by role, shared by the writers (XlsxWriter format properties), and the colours of
sheet tabs and heatmaps. Colour tells a reader what a cell is: yellow inputs, blue formulas, green
linked copies, grey constants, orange answer cells in an exercise."""
NUMBER = "0.000000"
SCIENTIFIC = "0.000000E+00"     # numbers far below 1e-6 that matter: the gradient check's
# Value cells carry a thin border, so printed pages need no gridlines (xlsx._print_setup).
_BOX = {"border": 1, "border_color": "#A6A6A6"}

STYLES = {
    "title": {"bold": True, "font_size": 14},
    "band": {"bold": True, "font_size": 11, "font_color": "#1F3864"},
    "note": {"italic": True, "font_color": "#595959"},
    "caption": {"bold": True, "align": "center", "bottom": 1},
    "collabel": {"italic": True, "align": "center", "font_color": "#595959"},
    "rowlabel": {"italic": True, "align": "right", "font_color": "#595959"},
    "rowlabel_left": {"italic": True, "font_color": "#595959"},
    "label": {},
    "op": {"bold": True, "align": "center", "font_size": 12},
    "input": {"num_format": NUMBER, "bg_color": "#FFF2CC", "border": 2, "border_color": "#BF9000"},
    "input_int": {"num_format": "General", "bg_color": "#FFF2CC", "border": 2, "border_color": "#BF9000"},
    "input_text": {"bg_color": "#FFF2CC", "border": 2, "border_color": "#BF9000", "align": "center"},
    "const": {"num_format": "0", "font_color": "#7F7F7F", "align": "center", **_BOX},
    "calc": {"num_format": NUMBER, "bg_color": "#DDEBF7", **_BOX},
    "calc_sci": {"num_format": SCIENTIFIC, "bg_color": "#DDEBF7", **_BOX},
    "calc_int": {"num_format": "0", "bg_color": "#DDEBF7", "align": "center", **_BOX},
    "calc_text": {"bg_color": "#DDEBF7", "align": "center", "bold": True, **_BOX},
    "link": {"num_format": NUMBER, "bg_color": "#E2EFDA", "font_color": "#375623", **_BOX},
    "link_int": {"num_format": "0", "bg_color": "#E2EFDA", "font_color": "#375623", "align": "center", **_BOX},
    "link_text": {"bg_color": "#E2EFDA", "font_color": "#375623", "align": "center", "bold": True, **_BOX},
    # Exercise: the blank a student fills, and the same cells (with their formulas) in the answer key.
    "answer": {"num_format": NUMBER, "bg_color": "#F8CBAD", "border": 2, "border_color": "#C55A11"},
    "answer_key": {"num_format": NUMBER, "bg_color": "#F8CBAD", "border": 1, "border_color": "#C55A11"},
    "check": {"bold": True, "align": "left", "font_color": "#C55A11"},     # spills right: a narrow column
    "instructions": {"bold": True, "font_color": "#C55A11"},
}

# Chart type in points: as the cells' 11 pt, so that a chart prints no smaller than the numbers it shows.
AXIS_PT, TITLE_PT = 11, 13

# Sheet tabs by SheetPlan.kind.
TAB_COLORS = {"about": "#7F7F7F", "parameters": "#BF9000", "forward": "#2F75B5", "summary": "#548235",
              "backward": "#C00000", "training": "#7030A0"}

# Heatmaps (3-colour scales): weights and gradients diverge around 0, probabilities run 0 .. 1.
_DIVERGING = {"type": "3_color_scale", "min_type": "num", "min_color": "#5B9BD5",
              "mid_type": "num", "mid_value": 0, "mid_color": "#FFFFFF",
              "max_type": "num", "max_color": "#F8696B"}    # min/max: ± the block's largest |value|
_PROBABILITY = {"type": "3_color_scale", "min_type": "num", "min_value": 0, "min_color": "#FFFFFF",
                "mid_type": "num", "mid_value": 0.5, "mid_color": "#C6E0B4",
                "max_type": "num", "max_value": 1, "max_color": "#63BE7B"}


def heat_spec(heatmap):
    """The colour scale of a Heatmap, as XlsxWriter's conditional format (the .ods writes the same)."""
    if heatmap.kind == "probability":
        return _PROBABILITY
    return {**_DIVERGING, "min_value": -heatmap.bound, "max_value": heatmap.bound}


def column_width(sheet, col):
    if col in sheet.widths:
        return sheet.widths[col]
    return 3 if col == 0 else 11
