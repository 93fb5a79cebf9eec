"""The floor for a check-in on this stack, for `bench/checkin_load.py --floor`: a plain Django view that does
only what no check-in can skip (find the link by its token's hash, store one row durably) and nothing else,
served by the same gunicorn, middleware and database as the product. Never part of the product."""

TABLE = "bench_floor"
CREATE = f'CREATE TABLE IF NOT EXISTS "{TABLE}" (id bigserial PRIMARY KEY, link_id bigint, body jsonb)'
