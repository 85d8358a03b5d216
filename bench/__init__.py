"""`make bench`: seed a separate PostgreSQL database with realistic volume, serve the app with
gunicorn on loopback and measure latency, SQL queries per request and creation throughput.

Entry point: `python -m bench.run --help`.
"""
