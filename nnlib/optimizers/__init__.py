"""Optimizers: one record per optimizer (the torch factory, the step by hand, the formulas) and the loss surfaces they walk."""
