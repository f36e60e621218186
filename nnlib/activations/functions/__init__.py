"""One module per activation function, each defining one :class:`~nnlib.activations.record.Activation`.

A new activation is a new module here plus its line in :mod:`nnlib.activations.registry`.
"""
