"""The scheduled worker: what runs when (`schedule.py`'s rules, `specs.py`), and the loop that
claims due jobs from the database and records each run (`worker.py`)."""
