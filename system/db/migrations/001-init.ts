export const id = '001-init'

export const sql = /* sql */ `
CREATE TABLE users (
  id            bigserial PRIMARY KEY,
  email         text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'user')),
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id         bigserial PRIMARY KEY,
  key_hash   text NOT NULL UNIQUE,          -- lookups by hash of the presented key
  prefix     text NOT NULL,
  tier       text NOT NULL CHECK (tier IN ('anonymous', 'free', 'pro', 'enterprise')),
  user_id    bigint REFERENCES users (id) ON DELETE CASCADE,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX api_keys_user_id_idx ON api_keys (user_id);

CREATE TABLE resources (
  id          bigserial PRIMARY KEY,           -- keyset pagination walks this index
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  data        jsonb NOT NULL DEFAULT '{}'::jsonb,
  owner_id    bigint REFERENCES users (id) ON DELETE SET NULL,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX resources_owner_id_idx ON resources (owner_id);

CREATE TABLE request_logs (
  id          bigserial PRIMARY KEY,
  request_id  text NOT NULL,
  instance_id text NOT NULL,
  method      text NOT NULL,
  path        text NOT NULL,
  status      integer NOT NULL,
  duration_ms real NOT NULL,
  user_id     bigint,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_logs_created_at_idx ON request_logs (created_at);
CREATE INDEX request_logs_request_id_idx ON request_logs (request_id);
`
