"""A user's losses, written for training code (NumPy here), each with a hand-written backward.

``example_losses.specs`` states their math for gradspec; ``example_losses.losses`` is the code.
"""
