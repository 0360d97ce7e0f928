try:
    try:
        {}["a"]
    except KeyError:
        [][1]
except IndexError:
    None.x
