"""A module of the program's package, in Python 2."""


def row_means(rows):
    print "rows", len(rows)
    return [sum(int(value) for value in row) / len(row) for row in rows]
