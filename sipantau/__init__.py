"""Sipantau: pemantauan tahapan pemilu dan pilkada oleh Kesbangpol, for Kemendagri."""

__version__ = "0.1.0"
