# One second of work for bench/jobs (item 3): what a command task or the bare launcher runs.
import time

time.sleep(1)
