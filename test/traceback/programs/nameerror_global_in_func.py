results = []
def run():
    reslts.append(1)
run()
