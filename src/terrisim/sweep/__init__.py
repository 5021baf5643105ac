"""Research sweeps: many runs of one scenario over a design of factor values.

An *experiment file* (``experiments/*.toml``, see :mod:`terrisim.sweep.experiment` and
``docs/experiments.md``) names a base scenario, the factors to vary, a design (full factorial,
Latin hypercube, Sobol or Morris), replications and a master seed.  ``terrisim sweep`` runs it on
a local process pool, a Dask cluster or SLURM, streaming results to chunked Parquet files that
make an interrupted sweep resumable; ``terrisim report`` turns the results into figures.

This package imports nothing heavy at module level: ``terrisim --help`` imports the command.
"""
