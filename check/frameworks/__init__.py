"""Running code of PyTorch, JAX, optax, NumPy/SciPy and Keras: the in-process backends, the
framework worker (a separate process, so gradspec never imports a framework), the library adapters."""
