#!/usr/bin/python3
"""Renumber the timelines quoted in docs/races/*.md after a model change
shifted step numbers: each quoted row is matched by its text (exactly, or by
column and prefix for narrowed rows) to a row of the `contsim run` output of
the scenario the page names that matches most rows, and takes that row's step
number; "step N" in the prose outside timelines follows the same mapping
(unless N maps two ways). Usage: scripts/renumber-doc-timelines.py CONTSIM [--fix]

Always review the diff and run scripts/check-doc-timelines.py afterwards:
when two named scenarios print the same rows (a buggy and a fixed variant)
the first one wins, which may be the wrong run."""
import re,subprocess,sys,glob,os
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
sys.argv[1] = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else sys.exit(__doc__)
