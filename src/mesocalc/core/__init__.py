"""The computation: pure functions over the model, typed frozen results. No Typer, Rich or JSON."""
