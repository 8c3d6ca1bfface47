-- 040: sign-in that survives a reload. The browser keeps a signed, expiring token in a
-- cookie; the token names a row here, so signing out (or a password change) ends it on
-- the server too. The signing secret is made once per database. Accounts created or reset
-- by someone else must change their password at first sign-in (password_changes).
CREATE TABLE sessions (
    id VARCHAR PRIMARY KEY,
    "user" VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);

CREATE TABLE app_secrets (
    name VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE password_changes (
    name VARCHAR PRIMARY KEY,
    must_change BOOLEAN NOT NULL,
    changed_at TIMESTAMP
);
