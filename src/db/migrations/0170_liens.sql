-- Download links (src/auth/liens.ts): an expiring, single-use token for one purpose and one object
-- (e.g. the extraction of request 7), issued to a key's holder. Only the token's SHA-256 is kept.
CREATE TABLE IF NOT EXISTS auth_lien (
  id           serial PRIMARY KEY,
  hash         text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
  purpose      text NOT NULL,
  subject      text NOT NULL,
  key_prefix   text NOT NULL REFERENCES auth_api_key (prefix),
  organisation integer NOT NULL REFERENCES auth_organisation (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz
);
CREATE INDEX IF NOT EXISTS auth_lien_subject ON auth_lien (purpose, subject);
