from digest.program import run

run()
