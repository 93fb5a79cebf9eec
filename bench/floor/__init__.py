"""The floor for a check-in on this stack, for `bench/checkin_load.py --floor`: a plain Django view that does
only what no check-in can skip (find the link by its token's hash, store one row durably) and nothing else,
served by the same gunicorn, middleware and database as the product. Never part of the product."""

# Under /api/, as the check-in is: the pages-only middleware (sessions, language, CSRF, login, messages,
# framing) skips both. Until 6 Dec 2026 the floors sat at /bench/floor and ran it, which made the floor cost
# a quarter more instructions than it must and flattered the check-in's share of it.
FLOOR_PATH = "/api/bench/floor"
MUST_PATH = "/api/bench/floor/checkin"

TABLE = "bench_floor"
CREATE = f'CREATE TABLE IF NOT EXISTS "{TABLE}" (id bigserial PRIMARY KEY, link_id bigint, body jsonb)'
