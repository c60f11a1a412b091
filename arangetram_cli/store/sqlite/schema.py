"""The SQLite schema and its migrations: PRAGMA user_version N is brought to SCHEMA_VERSION by
running MIGRATIONS[N+1..] in one transaction."""

from __future__ import annotations

SCHEMA_VERSION = 8  # PRAGMA user_version; MIGRATIONS brings older files up to it

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, password TEXT NOT NULL,
  user_type TEXT NOT NULL, created_at TEXT NOT NULL, extra TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email ON users(email);
CREATE TABLE IF NOT EXISTS vendors (
  rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL,
  business_name TEXT NOT NULL, category TEXT NOT NULL, description TEXT NOT NULL,
  location TEXT NOT NULL, price_range TEXT NOT NULL, price_estimate TEXT NOT NULL,
  services TEXT NOT NULL, portfolio_images TEXT NOT NULL, contact_phone TEXT NOT NULL,
  contact_email TEXT NOT NULL, rating REAL NOT NULL, review_count INTEGER NOT NULL,
  is_active INTEGER NOT NULL, created_at TEXT NOT NULL, extra TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS vendors_owner ON vendors(user_id) WHERE user_id <> 'system';
CREATE INDEX IF NOT EXISTS vendors_order
  ON vendors(is_active, rating DESC, business_name COLLATE NOCASE, id);
CREATE INDEX IF NOT EXISTS vendors_category
  ON vendors(category, is_active, rating DESC, business_name COLLATE NOCASE, id);
CREATE INDEX IF NOT EXISTS vendors_name ON vendors(business_name COLLATE NOCASE);
CREATE VIRTUAL TABLE IF NOT EXISTS vendors_fts USING fts5(
  business_name, description, location, content='vendors', content_rowid='rid',
  tokenize='trigram'
);
CREATE TRIGGER IF NOT EXISTS vendors_ai AFTER INSERT ON vendors BEGIN
  INSERT INTO vendors_fts(rowid, business_name, description, location)
  VALUES (new.rid, new.business_name, new.description, new.location);
END;
CREATE TRIGGER IF NOT EXISTS vendors_ad AFTER DELETE ON vendors BEGIN
  INSERT INTO vendors_fts(vendors_fts, rowid, business_name, description, location)
  VALUES ('delete', old.rid, old.business_name, old.description, old.location);
END;
CREATE TRIGGER IF NOT EXISTS vendors_au
AFTER UPDATE OF business_name, description, location ON vendors BEGIN
  INSERT INTO vendors_fts(vendors_fts, rowid, business_name, description, location)
  VALUES ('delete', old.rid, old.business_name, old.description, old.location);
  INSERT INTO vendors_fts(rowid, business_name, description, location)
  VALUES (new.rid, new.business_name, new.description, new.location);
END;
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY, user_id TEXT NOT NULL, event_name TEXT NOT NULL,
  event_date TEXT NOT NULL, event_time TEXT NOT NULL, guest_count INTEGER NOT NULL,
  budget TEXT NOT NULL, location_preference TEXT NOT NULL, special_requirements TEXT NOT NULL,
  selected_vendors TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, extra TEXT
);
CREATE INDEX IF NOT EXISTS events_user ON events(user_id, created_at DESC);
CREATE TABLE IF NOT EXISTS bookings (
  id TEXT PRIMARY KEY, event_id TEXT NOT NULL, vendor_id TEXT NOT NULL, user_id TEXT NOT NULL,
  message TEXT NOT NULL, event_date TEXT NOT NULL, status TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, extra TEXT
);
CREATE INDEX IF NOT EXISTS bookings_user ON bookings(user_id, created_at DESC);
CREATE INDEX IF NOT EXISTS bookings_vendor ON bookings(vendor_id, created_at DESC);
CREATE INDEX IF NOT EXISTS bookings_event ON bookings(event_id);
"""

# Version 2: reviews of vendors (one per user and vendor, enforced by the unique index).
# `reply` is a JSON object or NULL, so answering once is a single compare-and-set UPDATE.
_REVIEWS_SCHEMA = """
CREATE TABLE IF NOT EXISTS reviews (
  id TEXT PRIMARY KEY, vendor_id TEXT NOT NULL, user_id TEXT NOT NULL,
  user_name TEXT NOT NULL, rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  text TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, reply TEXT,
  extra TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS reviews_vendor_user ON reviews(vendor_id, user_id);
CREATE INDEX IF NOT EXISTS reviews_vendor_recent ON reviews(vendor_id, updated_at DESC, id);
"""

# Version 3: listings filtered by price range walk their own index in listing order (as
# category does), and count by a range of it; without it a price filter (and its count)
# visited every active vendor's row: 0.4 s at 100k vendors.
_PRICE_INDEX = """
CREATE INDEX IF NOT EXISTS vendors_price
  ON vendors(price_range, is_active, rating DESC, business_name COLLATE NOCASE, id);
"""

# Version 4: one account per address whatever its letter case, width or accents. Each user
# row keeps its address's `email_key` (core.identity; computed in Python, registered for the
# migration as the SQL function below) in `email_lower`, under a unique index. Rows from
# earlier versions (which lowercased the whole address) get their key here; of rows whose
# keys collide (look-alikes registered before this check existed) the earliest keeps it and
# the others keep none: they still log in by their exact address, and a look-up by key also
# finds them (unkeyed rows are an index search on NULL), so it sees them as several.
EMAIL_KEY_FUNCTION = "arangetram_email_key"
_EMAIL_KEY = f"""
ALTER TABLE users ADD COLUMN email_lower TEXT;
UPDATE users SET email_lower = {EMAIL_KEY_FUNCTION}(email);
UPDATE users SET email_lower = NULL WHERE id IN (
  SELECT id FROM (
    SELECT id, row_number() OVER (PARTITION BY email_lower ORDER BY created_at, id) AS n
    FROM users
  ) WHERE n > 1
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_lower ON users(email_lower);
"""

# Version 5: the vendor text index keeps no per-row column sizes (columnsize=0). Nothing
# reads them (listings order by rating, never by bm25 rank), and a bulk import then writes
# one row fewer per vendor inside its write transaction: 2.67 -> 2.51 s of CPU holding the
# lock for 100k vendors (medians of 3, interleaved). Matches are the same: the index holds
# the same trigrams and positions. Rebuilt from the vendors table in the migration.
_FTS_WITHOUT_SIZES = """
DROP TABLE IF EXISTS vendors_fts;
CREATE VIRTUAL TABLE vendors_fts USING fts5(
  business_name, description, location, content='vendors', content_rowid='rid',
  tokenize='trigram', columnsize=0
);
INSERT INTO vendors_fts(vendors_fts) VALUES ('rebuild');
"""

# Each step takes a database of version N-1 to N. Statements are idempotent (IF NOT EXISTS)
# where SQL allows; a step that is not (ALTER TABLE) fails in a second process that opened
# the old file at the same time, which then finds the file migrated (see _migrate).
# One pending request per event and vendor, kept by the database (not check-then-insert).
# Files written before the rule may hold several: the oldest stays under the rule, the others
# are left as they are, set apart by `pending_dup` (their own id; '' for every other row).
_ONE_PENDING = """
ALTER TABLE bookings ADD COLUMN pending_dup TEXT NOT NULL DEFAULT '';
UPDATE bookings SET pending_dup = id WHERE status = 'pending' AND EXISTS (
  SELECT 1 FROM bookings o WHERE o.event_id = bookings.event_id
  AND o.vendor_id = bookings.vendor_id AND o.status = 'pending'
  AND (o.created_at < bookings.created_at
       OR (o.created_at = bookings.created_at AND o.id < bookings.id)));
CREATE UNIQUE INDEX IF NOT EXISTS bookings_one_pending
  ON bookings(event_id, vendor_id, pending_dup) WHERE status = 'pending';
"""

WORKSPACE_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY, event_id TEXT NOT NULL, user_id TEXT NOT NULL,
  due_date TEXT NOT NULL, status TEXT NOT NULL, template_key TEXT,
  created_at TEXT NOT NULL, doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_event ON tasks(event_id, due_date, created_at, id);
CREATE UNIQUE INDEX IF NOT EXISTS tasks_event_template
  ON tasks(event_id, template_key) WHERE template_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS budget_items (
  id TEXT PRIMARY KEY, event_id TEXT NOT NULL, user_id TEXT NOT NULL, booking_id TEXT,
  created_at TEXT NOT NULL, doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS budget_items_event ON budget_items(event_id, created_at, id);
CREATE UNIQUE INDEX IF NOT EXISTS budget_items_booking
  ON budget_items(booking_id) WHERE booking_id IS NOT NULL;
"""

TOGETHER_SCHEMA = """
CREATE TABLE IF NOT EXISTS event_members (
  id TEXT PRIMARY KEY, event_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL,
  created_at TEXT NOT NULL, doc TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS event_members_event_user ON event_members(event_id, user_id);
CREATE INDEX IF NOT EXISTS event_members_user ON event_members(user_id);
CREATE TABLE IF NOT EXISTS guests (
  id TEXT PRIMARY KEY, event_id TEXT NOT NULL, user_id TEXT NOT NULL,
  created_at TEXT NOT NULL, doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS guests_event ON guests(event_id, created_at, id);
CREATE TABLE IF NOT EXISTS rsvp_tokens (
  token_hash TEXT PRIMARY KEY, guest_id TEXT NOT NULL, event_id TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS rsvp_tokens_guest ON rsvp_tokens(guest_id);
CREATE INDEX IF NOT EXISTS rsvp_tokens_event ON rsvp_tokens(event_id);
"""

MIGRATIONS = {
    1: _SCHEMA,
    2: _REVIEWS_SCHEMA,
    3: _PRICE_INDEX,
    4: _EMAIL_KEY,
    5: _FTS_WITHOUT_SIZES,
    6: WORKSPACE_SCHEMA,  # tasks, budget_items (repositories: sqlite/workspace.py)
    7: TOGETHER_SCHEMA,  # event_members, guests, rsvp_tokens (sqlite/together.py)
    8: _ONE_PENDING,
}
