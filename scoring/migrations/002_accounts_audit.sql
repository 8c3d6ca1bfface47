-- 002: accounts with roles, and the audit trail.
CREATE TABLE users (
    name VARCHAR PRIMARY KEY,
    password_hash VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    sources VARCHAR[] NOT NULL,   -- 录入员: the sources they may upload (empty: all)
    years INTEGER[] NOT NULL,     -- 录入员: the years they may upload to (empty: all)
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE audit_ids START 1;

CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'),
    "at" TIMESTAMP NOT NULL DEFAULT current_timestamp,
    "user" VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    detail VARCHAR NOT NULL
);
