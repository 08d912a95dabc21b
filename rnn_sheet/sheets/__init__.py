"""Where each quantity lives, its formula, its value, its note and its role, declared once beside the
sheet that shows it (model -> sheets -> workbook). `build(scenario)` makes the workbook.Book."""
from .quantity import Context
from .order import plan
from .render import Built, build, key_formulas, named_values, placed_values

__all__ = ["Built", "Context", "build", "key_formulas", "named_values", "placed_values", "plan"]
