"""The reproduction behind ``python -m tf1_rnn.reproduce``: every tutorial over seeds, beside its TF 1.x program.

    catalogue.py the rows: tutorials, corrections, seeds, what each author printed
    cli.py       the command line: --dry-run, --report, --only, --seeds
    rows.py      which runs a row needs, where their files are, which are done
    launch.py    one process per run; a stopped run resumes (the port) or starts over (a TF 1.x program)
    run_logs.py  test curves and final accuracies read from the programs' printed output
    stats.py     mean, spread, Welch interval, percentile, the spread of a random test draw
    report.py    the table (results/reproduce.md) from finished runs
    plots.py     results/<tutorial>.png and results/summary.png (matplotlib, the ``plots`` extra)
"""
