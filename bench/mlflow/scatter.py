# Raw SQLite reproduction of the log-batch growth (no HTTP): the trk_metrics schema of
# migrations/0005_tracking.sql, WAL, synchronous=NORMAL; 200 transactions of 1,000 rows into one
# run, either 1,000 distinct keys x 1 step or 10 keys x 100 steps; prints the time of the
# transaction and the WAL pages (4 KiB) it wrote. Usage: python3 bench/mlflow/scatter.py
import sqlite3, time
db = sqlite3.connect('/tmp/weir_mlflow_scatter.db', isolation_level=None)
db.execute('PRAGMA journal_mode=WAL'); db.execute('PRAGMA synchronous=NORMAL'); db.execute('PRAGMA wal_autocheckpoint=0')
db.execute('''CREATE TABLE trk_metrics (run INTEGER NOT NULL, key TEXT NOT NULL, step INTEGER NOT NULL, timestamp INTEGER NOT NULL,
  value REAL NOT NULL, is_nan INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run, key, step, timestamp, value, is_nan)) STRICT, WITHOUT ROWID''')
def batch(run, keys, c):
    spk = 1000 // keys
    rows = [(run, 'k%d' % (j % keys), c * spk + j // keys, 1700000000000 + j, 0.5 + j, 0) for j in range(1000)]
    t0 = time.perf_counter()
    db.execute('BEGIN')
    db.executemany('INSERT OR IGNORE INTO trk_metrics VALUES (?,?,?,?,?,?)', rows)
    db.execute('COMMIT')
    ms = (time.perf_counter() - t0) * 1e3
    import os; frames = os.path.getsize('/tmp/weir_mlflow_scatter.db-wal') // 4120; db.execute('PRAGMA wal_checkpoint(TRUNCATE)')
    return ms, frames
for keys, run in ((1000, 1), (10, 2)):
    for c in range(200):
        ms, fr = batch(run, keys, c)
        if c in (0, 1, 10, 50, 100, 150, 199):
            print(f"keys={keys} call {c}: commit+insert {ms:.1f} ms, WAL pages written {fr}")
