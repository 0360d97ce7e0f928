class Thing:
    alpha = 1
Thing.alpah
