"""Export as code: one self-contained script (NumPy, PyTorch or Keras) that builds a
session's network with its current weights, data, loss and optimizer state, trains N more
steps on exactly the batches the session would take next, and prints the loss after each.

`script(run, framework, steps)` gathers what the script needs from the run (never moving
it: the batches come from a copy of its batch order) and fills the framework's template
in app/codegen/templates. What a framework cannot express is refused with CodeError,
naming the config field to change.
"""

from __future__ import annotations

from app.codegen.script import FRAMEWORKS, MAX_NUMBERS, MAX_STEPS, CodeError, filename, script

__all__ = ["FRAMEWORKS", "MAX_NUMBERS", "MAX_STEPS", "CodeError", "filename", "script"]
