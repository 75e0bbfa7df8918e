-- Issue 15: an official signed in at a desk (the health commission's in enrollment, the finance bureau's in billing).
-- The cookie's token and the key are kept only as keyed hashes; the key's holder is asked again on every request
-- (`tuoyu.desk.web.official`), so revoking the key ends the session.
CREATE TABLE desk_sessions (
    session_hash text PRIMARY KEY,
    key_hash text NOT NULL,
    role text NOT NULL,
    csrf text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX desk_sessions_seen ON desk_sessions (seen_at);
