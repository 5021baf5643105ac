"""terrisim: agent-based simulation of territorial co-construction."""

__version__ = "0.1.0"
